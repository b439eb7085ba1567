import { PluginErrorCode, type PluginErrorCodeValue, type PluginErrorJSON } from './protocol.js';

/**
 * An error a plugin reports to the host: printed as Ratify's `{"code","msg","details"}` JSON
 * (4-space indented, as Ratify's skeleton does) on stdout with exit status 1.
 */
export class PluginError extends Error {
  readonly code: number;
  readonly details: string;

  constructor(code: PluginErrorCodeValue | number, msg: string, details = '') {
    super(msg);
    this.name = 'PluginError';
    this.code = code;
    this.details = details;
  }

  toJSON(): PluginErrorJSON {
    const o: PluginErrorJSON = { code: this.code, msg: this.message };
    if (this.details) o.details = this.details;
    return o;
  }

  /** The exact bytes Ratify's skeleton prints. */
  render(): string {
    return JSON.stringify(this.toJSON(), null, 4) + '\n';
  }
}

/** Wraps anything thrown by plugin code as a PluginCmdFailure (code 8), as Ratify's skeleton does. */
export function asPluginError(e: unknown, command: string): PluginError {
  if (e instanceof PluginError) return e;
  const details = e instanceof Error ? e.message : String(e);
  return new PluginError(PluginErrorCode.PluginCmdFailure, `plugin command ${command} failed`, details);
}
