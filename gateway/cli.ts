#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs, stringFlag } from './commands/args.js';
import { configCheck } from './commands/config-check.js';
import { hashSecret } from './secrets.js';
import { SCHEMA_VERSION } from './store/migrations.js';
import { VERSION } from './version.js';

const USAGE = `wardgate ${VERSION} — ward edge gateway

usage:
  wardgate run [--config FILE]          run the gateway (default: the embedded config/default.yaml)
  wardgate demo [--config FILE]         run a demo ward: gateway + simulated wearables + stand-in central
  wardgate config check FILE            validate a config file without starting anything (exit 78 if invalid)
  wardgate cert init [--dir DIR] [--names N,...]  ward CA + server certificate (openssl); prints the CA fingerprint
  wardgate cert device ID [--dir DIR]   client certificate for an MQTT device (subject CN=ID)
  wardgate hash-secret [SECRET]         print an scrypt hash for passwordHash / pinHash (reads stdin if no SECRET)
  wardgate decode --codec NAME [--hex]  decode a device stream from stdin to NDJSON observations
  wardgate replay --config FILE         replay NDJSON observations from stdin through the rules; print alarm and incident events
  wardgate news2                        score NDJSON parameter sets from stdin with NEWS2
  wardgate sync check [--config FILE]   connect to the upstream, publish a test status, report round trip and certificate expiry
  wardgate --version                    print the version and the store schema version this release knows

environment: WARDGATE_DATA_DIR, WARDGATE_LOG_LEVEL, WARDGATE_BROKER_HOST, WARDGATE_BROKER_PORT,
             WARDGATE_SCREEN_HOST, WARDGATE_SCREEN_PORT, WARDGATE_SYNC_URL
`;

async function main(argv: string[]): Promise<number | undefined> {
  const args = parseArgs(argv, ['hex', 'help', 'version', 'expect']);
  const [command, sub, ...rest] = args.positionals;
  if (args.flags.has('version')) {
    process.stdout.write(`${VERSION} (schema ${SCHEMA_VERSION})\n`);
    return 0;
  }
  if (args.flags.has('help') || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  switch (command ?? 'run') {
    case 'run': {
      const { runGateway } = await import('./commands/run.js');
      await runGateway(stringFlag(args, 'config') ?? process.env.WARDGATE_CONFIG);
      return undefined;
    }
    case 'demo': {
      const { runDemo } = await import('./commands/demo.js');
      await runDemo(stringFlag(args, 'config'));
      return undefined;
    }
    case 'config':
      if (sub === 'check') return configCheck(rest[0] ?? stringFlag(args, 'config'));
      break;
    case 'sync':
      if (sub === 'check') {
        const { runSyncCheck } = await import('./commands/sync-check.js');
        return runSyncCheck(stringFlag(args, 'config') ?? rest[0]);
      }
      break;
    case 'cert': {
      const { runCert } = await import('./commands/cert.js');
      return runCert(argv.slice(argv.indexOf('cert') + 1));
    }
    case 'hash-secret': {
      const secret = sub ?? readFileSync(0, 'utf8').trim();
      if (!secret) return 64;
      process.stdout.write(`${hashSecret(secret)}\n`);
      return 0;
    }
    case 'decode': {
      const { runDecode } = await import('./commands/decode.js');
      return runDecode(stringFlag(args, 'codec'), args.flags.has('hex'));
    }
    case 'replay': {
      const { runReplay } = await import('./commands/replay.js');
      return runReplay(stringFlag(args, 'config'));
    }
    case 'news2': {
      const { runNews2 } = await import('./commands/news2.js');
      return runNews2();
    }
    default:
      break;
  }
  process.stderr.write(USAGE);
  return 64;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`wardgate: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
