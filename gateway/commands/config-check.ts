import { ConfigError, EXIT_CONFIG, loadConfig } from '../../config/load.js';
import { rulesConfigFrom } from '../rules-config.js';
import { tlsFileProblems } from '../tls/config-files.js';

/** `wardgate config check FILE`: validates without starting anything. Exit 0 valid, 78 invalid. */
export function configCheck(path: string | undefined): number {
  if (!path) {
    process.stderr.write('usage: wardgate config check FILE\n');
    return 64;
  }
  try {
    const config = loadConfig(path, {});
    rulesConfigFrom(config);
    const tls = tlsFileProblems(config);
    if (tls.length > 0) throw new ConfigError(path, tls);
    process.stdout.write(`${path}: ok (${config.beds.length} beds, ${config.devices.length} devices)\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`wardgate: ${err.message}\n`);
      return EXIT_CONFIG;
    }
    process.stderr.write(`wardgate: invalid configuration in ${path}:\n  rules: ${(err as Error).message}\n`);
    return EXIT_CONFIG;
  }
}
