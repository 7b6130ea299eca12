// The console's only data source: the public /v1 API, with the bearer token kept in
// sessionStorage (gone when the tab closes). A 401 sends the viewer to the login form.

const KEY = 'weft.token';

/// An error answered by the API ({error: {code, message}}) or a network failure.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

/// Calls the API; resolves to the parsed body, rejects with an ApiError.
export async function api(method, path, body, tok = token.get()) {
  const headers = {Accept: 'application/json'};
  if (tok) headers.Authorization = `Bearer ${tok}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store', credentials: 'omit'});
  } catch (e) {
    throw new ApiError(0, 'network', `the server did not answer (${e.message})`);
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const err = data && data.error;
    const e = new ApiError(res.status, err ? err.code : 'http_' + res.status,
      err ? err.message : `${res.status} ${res.statusText}`);
    if (res.status === 401) window.dispatchEvent(new CustomEvent('weft-unauthorized'));
    throw e;
  }
  return data;
}

/// Whether the server needs a token: it does when /v1/flows answers 401 without one.
export async function authRequired() {
  try {
    await api('GET', '/v1/flows', undefined, null);
    return false;
  } catch (e) {
    if (e.status === 401) return true;
    throw e;
  }
}

/// Percent-encodes one path segment.
export const seg = encodeURIComponent;
