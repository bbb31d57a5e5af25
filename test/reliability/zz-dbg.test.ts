import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { startGatewayProcess, writeConfig } from '/work/main/test/helpers/gateway-process.js';
import { beds, collectAlarms, connectMqtt, gatewayConfig, sleep } from '/work/main/test/reliability/live-gateway.js';
it('dbg', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wg-dbg-'));
  const [good] = beds(1);
  const gw = await startGatewayProcess(writeConfig(dir, gatewayConfig(dir, [good!])));
  const { alarms } = await collectAlarms(gw.brokerPort);
  const d = await connectMqtt(gw.brokerPort, { username: good!.device, password: good!.password });
  const t0 = performance.now();
  for (let seq = 1; seq <= 20; seq++) { d.publish(`vitals/${good!.device}`, JSON.stringify({ seq, hr: seq % 4 === 1 ? 150 : 80 })); console.log('sent', seq, (performance.now()-t0).toFixed(0)); await sleep(100); }
  await sleep(500);
  for (const a of alarms) console.log(a.condition, a.state, a.transition, a.sourceSeq, (a.receivedAtMs - t0).toFixed(0));
  await gw.kill();
}, 30000);
