// One admin API call's span, as the route wrapper ends it (implemented by ./otel.ts when tracing is on).
export interface ApiSpan {
  end(status: number, apiKeyName: string | null): void;
}
