/** A small HTTP client for end-to-end tests: real requests over the loopback interface. */
export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  raw: Buffer;
}

export class Http {
  constructor(
    private readonly baseUrl: string,
    private readonly token?: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  as(token: string | undefined): Http {
    return new Http(this.baseUrl, token, this.headers);
  }

  withHeaders(headers: Record<string, string>): Http {
    return new Http(this.baseUrl, this.token, { ...this.headers, ...headers });
  }

  get<T = any>(path: string) {
    return this.send<T>('GET', path);
  }
  delete<T = any>(path: string) {
    return this.send<T>('DELETE', path);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.send<T>('POST', path, body);
  }
  patch<T = any>(path: string, body?: unknown) {
    return this.send<T>('PATCH', path, body);
  }
  put<T = any>(path: string, body?: unknown) {
    return this.send<T>('PUT', path, body);
  }

  /** multipart/form-data: fields plus files ({ name, fileName, content, contentType }). */
  upload<T = any>(path: string, fields: Record<string, string>, files: { field: string; fileName: string; content: Buffer; contentType?: string }[]) {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) form.append(key, value);
    for (const file of files) form.append(file.field, new Blob([file.content], { type: file.contentType ?? 'application/octet-stream' }), file.fileName);
    return this.send<T>('POST', path, form);
  }

  async send<T>(method: string, path: string, body?: unknown): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { ...this.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload: RequestInit['body'];
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await fetch(this.baseUrl + path, { method, headers, body: payload });
    const raw = Buffer.from(await response.arrayBuffer());
    const type = response.headers.get('content-type') ?? '';
    const parsed = type.includes('json') && raw.length > 0 ? JSON.parse(raw.toString('utf8')) : raw.toString('utf8');
    return { status: response.status, headers: response.headers, body: parsed as T, raw };
  }

  async login(email: string, password = 'demo-password-1'): Promise<Http> {
    const response = await this.as(undefined).post<{ accessToken: string }>('/api/auth/login', { email, password });
    if (response.status !== 200) throw new Error(`login as ${email} failed: ${response.status} ${JSON.stringify(response.body)}`);
    return this.as(response.body.accessToken);
  }
}

/** Polls until `probe` returns something truthy, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined | false | null>, timeoutMs = 15_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
