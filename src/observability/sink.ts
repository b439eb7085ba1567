/**
 * What the core reports to metrics, without knowing Prometheus. The server puts an
 * implementation in the request context; the CLI leaves it out.
 */
export interface MetricsSink {
  registryResponse(host: string, status: number, namespace: string): void;
  registryRateLimited(host: string, namespace: string): void;
  blobCache(hit: boolean, namespace: string): void;
  verifierDuration(verifier: string, subject: string, ms: number, success: boolean, error: boolean, namespace: string): void;
}
