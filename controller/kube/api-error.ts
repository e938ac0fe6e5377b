// One line for a failed API request: the HTTP code and the API server's own Status message when
// there is one (an ApiException's body is the Status JSON, as text or parsed).
export function describeApiError(error: unknown, what: string): Error {
  const failure = error as { code?: number; statusCode?: number; body?: unknown; message?: string };
  const code = failure?.code ?? failure?.statusCode;
  const message = statusMessage(failure?.body) ?? (error instanceof Error ? error.message : String(error));
  return new Error(`${what}: ${typeof code === "number" ? `HTTP ${code}: ` : ""}${message}`, { cause: error });
}

function statusMessage(body: unknown): string | undefined {
  if (typeof body === "string") {
    try {
      return statusMessage(JSON.parse(body));
    } catch {
      return undefined;
    }
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === "string" && message !== "" ? message : undefined;
}
