// What a command writes to, so tests can run commands in-process and read their output.
export interface CommandIO {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface Command {
  summary: string;
  usage: string;
  /** Resolves to the process exit code: 0 done, 1 problems found, 2 bad usage. */
  run(args: string[], io: CommandIO): Promise<number>;
}

export const processIO: CommandIO = {
  out: (line) => process.stdout.write(line + "\n"),
  err: (line) => process.stderr.write(line + "\n"),
};
