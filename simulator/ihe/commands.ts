import { parseArgs } from 'node:util';
import type { ReceiverBehaviour } from './mllp-receiver.js';

export const IHE_USAGE = `  wardgate-sim alarm-manager [--host 127.0.0.1] [--port 2575] [--delay-ms 0] [--refuse CE|CR] [--drop-every N]
        [--pages accept|reject|ignore|none] [--page-delay-ms 1000] [--recipient "Ada Lovelace"] [--device phone-12]
        [--status-to HOST:PORT] [--record FILE.ndjson]     reference IHE PCD ACM alarm manager (PCD-04 in, PCD-05 out)
  wardgate-sim ehr [--host 127.0.0.1] [--port 2576] [--delay-ms 0] [--refuse CE|CR] [--drop-every N] [--record FILE]
                                                    reference PCD-01 consumer (an EHR interface engine)
        Both print a verdict when stopped (exit 0 PASS, 1 FAIL); SIGUSR1 mutes/unmutes the answers (a hung receiver).`;

const common = {
  host: { type: 'string', default: '127.0.0.1' },
  'delay-ms': { type: 'string', default: '0' },
  refuse: { type: 'string' },
  'drop-every': { type: 'string', default: '0' },
  record: { type: 'string' },
} as const;

function behaviour(v: { 'delay-ms': string; refuse?: string | undefined; 'drop-every': string }, fail: (m: string) => never): ReceiverBehaviour {
  const delayMs = Number(v['delay-ms']);
  const dropEvery = Number(v['drop-every']);
  if (!Number.isFinite(delayMs) || delayMs < 0) fail('--delay-ms: a number of milliseconds');
  if (!Number.isInteger(dropEvery) || dropEvery < 0) fail('--drop-every: a whole number');
  if (v.refuse !== undefined && v.refuse !== 'CE' && v.refuse !== 'CR') fail('--refuse: CE or CR');
  return { delayMs, dropEvery, mute: false, ...(v.refuse ? { refuse: v.refuse as 'CE' | 'CR' } : {}) };
}

function until(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

function toggleMute(b: ReceiverBehaviour): void {
  process.on('SIGUSR1', () => {
    b.mute = !b.mute;
    process.stdout.write(`     ${b.mute ? 'muted: no answers from now on' : 'answering again'}\n`);
  });
}

export async function cmdAlarmManager(argv: string[], fail: (m: string) => never): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...common,
      port: { type: 'string', default: '2575' },
      pages: { type: 'string', default: 'accept' },
      'page-delay-ms': { type: 'string', default: '1000' },
      recipient: { type: 'string', default: 'Ada Lovelace' },
      device: { type: 'string', default: 'phone-12' },
      'status-to': { type: 'string' },
    },
  });
  const b = behaviour(values, fail);
  if (!['accept', 'reject', 'ignore', 'none'].includes(values.pages)) fail('--pages: accept, reject, ignore or none');
  let statusTo: { host: string; port: number } | undefined;
  if (values['status-to']) {
    const [host, port] = values['status-to'].split(':');
    if (!host || !Number(port)) fail('--status-to HOST:PORT');
    statusTo = { host, port: Number(port) };
  }
  const { AlarmManagerSim } = await import('./alarm-manager.js');
  const sim = new AlarmManagerSim({
    host: values.host, port: Number(values.port), behaviour: b, pages: values.pages as 'accept', pageDelayMs: Number(values['page-delay-ms']),
    recipient: values.recipient, device: values.device, ...(statusTo ? { statusTo } : {}), ...(values.record ? { record: values.record } : {}),
    print: (line) => process.stdout.write(`${line}\n`),
  });
  const port = await sim.start();
  process.stderr.write(`alarm manager listening on ${values.host}:${port}\n`);
  toggleMute(b);
  await until();
  await sim.stop();
  const v = sim.verdict();
  process.stdout.write(`${v.text}\n`);
  return v.pass ? 0 : 1;
}

export async function cmdEhr(argv: string[], fail: (m: string) => never): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...common, port: { type: 'string', default: '2576' } } });
  const b = behaviour(values, fail);
  const { EhrSim } = await import('./ehr.js');
  const sim = new EhrSim({ host: values.host, port: Number(values.port), behaviour: b, ...(values.record ? { record: values.record } : {}), print: (line) => process.stdout.write(`${line}\n`) });
  const port = await sim.start();
  process.stderr.write(`ehr listening on ${values.host}:${port}\n`);
  toggleMute(b);
  await until();
  await sim.stop();
  const v = sim.verdict();
  process.stdout.write(`${v.text}\n`);
  return v.pass ? 0 : 1;
}
