import { parseArgs } from 'node:util';
import { PLUMBLINE_VERSION } from '../version';
import { loadBundledSchemas } from '../schemas/bundled';
import { SchemaResolver } from '../schemas/resolver';
import { UsageError } from '../workspace/files';
import { checkPaths, formatText, hasErrors } from './checkCommand';

/** Exit codes shared by every command, like kubeconform and kubectl diff. */
export const EXIT = { clean: 0, found: 1, error: 2 } as const;

const USAGE = `Usage: plumbline <command> [options]

Commands:
  check [paths…]   validate the YAML files below the given files and folders (default: .)

Options:
  -h, --help       show this help
  -v, --version    print the version

Exit codes: 0 clean, 1 problems found, 2 usage or internal error.
`;

async function run(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? EXIT.error : EXIT.clean;
  }
  if (command === '-v' || command === '--version') {
    process.stdout.write(`plumbline ${PLUMBLINE_VERSION}\n`);
    return EXIT.clean;
  }
  if (command === 'check') {
    const { positionals, values } = parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: { help: { type: 'boolean', short: 'h' } },
    });
    if (values.help === true) {
      process.stdout.write(USAGE);
      return EXIT.clean;
    }
    const reports = await checkPaths(positionals.length > 0 ? positionals : ['.'], {
      schemas: new SchemaResolver([loadBundledSchemas()]),
      unknownKind: 'information',
    });
    process.stdout.write(formatText(reports));
    return hasErrors(reports) ? EXIT.found : EXIT.clean;
  }
  throw new UsageError(`unknown command '${command}'`);
}

function isUsageError(error: unknown): boolean {
  // parseArgs signals bad options with ERR_PARSE_ARGS_* codes.
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (isUsageError(error)) {
      process.stderr.write(`plumbline: ${message}\nRun 'plumbline --help' for usage.\n`);
    } else {
      process.stderr.write(`plumbline: internal error: ${error instanceof Error ? (error.stack ?? message) : message}\n`);
    }
    process.exitCode = EXIT.error;
  },
);
