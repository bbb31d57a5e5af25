import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { listen } from '../../drivers/core/listen.js';
import { Central, type StaffOnCall } from './central.js';

const USAGE = `wardgate-sim central --url mqtt://host:1883 [options]
  --url URL             upstream broker the gateways sync to (omit to embed an MQTT 3.1.1 broker on --port)
  --port N              embedded broker port (default 1884)
  --username U --password P   central's broker account (default central / demo-central)
  --db FILE             the central's SQLite store (default ./central.db)
  --prefix P            topic prefix (default wardgate)
  --share GROUP         subscribe as a member of a shared-subscription group ($share/GROUP/...)
  --client-id ID        persistent-session client id (default wardgate-central-<pid>)
  --staff FILE          JSON array of {id, name, role, onCall}
  --assign-delay-ms N   delay before assigning an opened incident (default 2000)
  --http-port N         also take HTTPS-transport gateways on this port (plain HTTP; put TLS in front)
  --print               print what the central holds in --db and exit`;

/** `wardgate-sim central ...`: runs the reference central until SIGINT/SIGTERM, or prints what it holds. */
export async function runCentralCli(argv: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<Central | undefined> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      port: { type: 'string' },
      username: { type: 'string', default: 'central' },
      password: { type: 'string', default: 'demo-central' },
      db: { type: 'string', default: './central.db' },
      prefix: { type: 'string', default: 'wardgate' },
      share: { type: 'string' },
      'client-id': { type: 'string' },
      staff: { type: 'string' },
      'assign-delay-ms': { type: 'string' },
      'http-port': { type: 'string' },
      print: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    out(USAGE);
    return undefined;
  }
  const central = new Central({
    url: values.url,
    embeddedPort: values.url ? undefined : Number(values.port ?? 1884),
    username: values.username,
    password: values.password,
    dbPath: values.db,
    prefix: values.prefix,
    shareGroup: values.share,
    clientId: values['client-id'],
    staff: values.staff ? (JSON.parse(readFileSync(values.staff, 'utf8')) as StaffOnCall[]) : undefined,
    assignDelayMs: values['assign-delay-ms'] ? Number(values['assign-delay-ms']) : undefined,
    log: (msg, obj) => out(`${msg} ${JSON.stringify(obj ?? {})}`),
  });
  if (values.print) {
    const { default: Database } = await import('better-sqlite3');
    new Database(values.db, { fileMustExist: true }).close();
    await central.open();
    out(central.report());
    await central.stop();
    return undefined;
  }
  await central.start();
  out(`central: listening for incidents on ${values.url ?? `mqtt://127.0.0.1:${central.port}`} (prefix ${values.prefix})`);
  if (values['http-port']) {
    const server = createServer(central.httpHandler());
    await listen(server, Number(values['http-port']));
    out(`central: HTTP intake on port ${values['http-port']}`);
  }
  const stop = () => {
    out(central.report());
    void central.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return central;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runCentralCli(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`central: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
