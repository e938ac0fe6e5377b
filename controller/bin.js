#!/usr/bin/env node
// The package's `meta-protocol-controller` command: runs controller/cli.ts through tsx.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("./cli.ts");
process.exitCode = await runCli(process.argv.slice(2));
