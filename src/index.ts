/**
 * The package's face (`import ... from 'ratify-ts'`): build an executor from a Ratify config.json and
 * ask it whether a subject may run. Everything else is internal and may move; the plugin author's kit
 * has its own entry, `ratify-ts/plugin`.
 *
 *   const rt = runtimeEnvFrom(process.env, homedir());
 *   const executor = await buildExecutor(await loadConfig('config.json', rt), { rt, log: createLogger({ level: 'info' }) });
 *   const { result } = await executor.verify({ subject: 'registry.example.com/app@sha256:…' }, backgroundContext());
 */
export { buildExecutor, type BuildDeps } from './executor/build.js';
export { Executor, type ExecutorOptions, type VerifyOutcome, type VerifyParams } from './executor/executor.js';
export type { ExplainTrace, NestedReport, ReportElement, VerifyResult } from './executor/types.js';
export { loadConfig, parseConfig, runtimeEnvFrom, validateConfigText, type LoadedConfig, type RuntimeEnv } from './config/load.js';
export type { RatifyConfig } from './config/schema.js';
export { backgroundContext, withDeadline, type Context } from './context.js';
export { RatifyError, ErrorCodes, type ErrorCode } from './errors.js';
export { createLogger, silentLogger, type Logger } from './observability/logger.js';
export { parseReference, type Reference } from './reference/reference.js';
export { VERSION } from './version.js';
