// The control API's data: proxy and toxic shapes, their defaults and validation, and the error
// values with real Toxiproxy's messages and status codes (api.go, toxic_collection.go).
// Pure: bodies come in as parsed JSON, results go out as values; nothing here touches a socket.

export const TOXIC_TYPES = ['latency', 'bandwidth', 'slow_close', 'timeout', 'slicer', 'reset_peer', 'limit_data'] as const;
export type ToxicType = (typeof TOXIC_TYPES)[number];

export const STREAMS = ['upstream', 'downstream'] as const;
export type Stream = (typeof STREAMS)[number];

/** Node timers hold at most 2^31 - 1 ms; a longer delay would fire at once. */
export const DELAY_MS_MAX = 2_147_483_647;
export const NAME_LENGTH_MAX = 256;

interface AttributeSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
}

const ms = (name: string): AttributeSpec => ({ name, min: 0, max: DELAY_MS_MAX });

/** Attributes per type, in the order real Toxiproxy serialises them; all are integers. */
export const ATTRIBUTES: Readonly<Record<ToxicType, readonly AttributeSpec[]>> = {
  latency: [ms('latency'), ms('jitter')],
  bandwidth: [{ name: 'rate', min: 0, max: DELAY_MS_MAX }],
  slow_close: [ms('delay')],
  timeout: [ms('timeout')],
  // Real Toxiproxy panics on average_size 0 (rand.Intn(0)); here it is a 400.
  slicer: [
    { name: 'average_size', min: 1, max: DELAY_MS_MAX },
    { name: 'size_variation', min: 0, max: DELAY_MS_MAX },
    { name: 'delay', min: 0, max: DELAY_MS_MAX },
  ],
  reset_peer: [ms('timeout')],
  limit_data: [{ name: 'bytes', min: 0, max: Number.MAX_SAFE_INTEGER }],
};

export type Attributes = Readonly<Record<string, number>>;

export interface Toxic {
  readonly name: string;
  readonly type: ToxicType;
  readonly stream: Stream;
  /** Probability in [0, 1] that a connection direction gets the toxic. */
  readonly toxicity: number;
  readonly attributes: Attributes;
}

export interface ProxyInput {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
  readonly enabled: boolean;
}

export interface ApiError {
  readonly message: string;
  readonly status: number;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T>(error: ApiError): Result<T> => ({ ok: false, error });

export const errors = {
  badRequestBody: (detail: string): ApiError => ({ message: `bad request body: ${detail}`, status: 400 }),
  missingField: (field: string): ApiError => ({ message: `missing required field: ${field}`, status: 400 }),
  proxyNotFound: { message: 'proxy not found', status: 404 },
  proxyAlreadyExists: { message: 'proxy already exists', status: 409 },
  invalidStream: (value: unknown): ApiError => ({
    message: `stream was invalid, can be either upstream or downstream (got ${JSON.stringify(value)})`,
    status: 400,
  }),
  invalidToxicType: (value: unknown): ApiError => ({
    message: `invalid toxic type: type should be one of ${TOXIC_TYPES.join(', ')}, got ${JSON.stringify(value)}`,
    status: 400,
  }),
  toxicAlreadyExists: { message: 'toxic already exists', status: 409 },
  toxicNotFound: { message: 'toxic not found', status: 404 },
  tooMany: (what: string, max: number): ApiError => ({ message: `too many ${what}: at most ${max}`, status: 400 }),
  internal: (message: string): ApiError => ({ message, status: 500 }),
} as const;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bodyObject(body: unknown): Result<Json> {
  return isObject(body) ? ok(body) : fail(errors.badRequestBody(`the body should be a JSON object, got ${describe(body)}`));
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : `${typeof value} ${JSON.stringify(value)}`;
}

/** A string field, `fallback` when absent; a 400 naming the field when of another type. */
function stringField(body: Json, field: string, fallback: string, label = field): Result<string> {
  const value = body[field];
  if (value === undefined || value === null) return ok(fallback);
  if (typeof value !== 'string') return fail(errors.badRequestBody(`${label} should be a string, got ${describe(value)}`));
  return ok(value);
}

function booleanField(body: Json, field: string, fallback: boolean, label = field): Result<boolean> {
  const value = body[field];
  if (value === undefined || value === null) return ok(fallback);
  if (typeof value !== 'boolean') return fail(errors.badRequestBody(`${label} should be true or false, got ${describe(value)}`));
  return ok(value);
}

function checkName(name: string, label: string): Result<string> {
  if (name.length > NAME_LENGTH_MAX) {
    return fail(errors.badRequestBody(`${label} should be at most ${NAME_LENGTH_MAX} characters, got ${name.length}`));
  }
  if (name.includes('/')) return fail(errors.badRequestBody(`${label} should not contain '/', got ${JSON.stringify(name)}`));
  return ok(name);
}

/** POST /proxies and one entry of POST /populate (`at` is " at proxy N" there, as in Go). */
export function parseProxyCreate(body: unknown, at = ''): Result<ProxyInput> {
  const object = bodyObject(body);
  if (!object.ok) return object;
  const name = stringField(object.value, 'name', '', `name${at}`);
  if (!name.ok) return name;
  const listen = stringField(object.value, 'listen', '', `listen${at}`);
  if (!listen.ok) return listen;
  const upstream = stringField(object.value, 'upstream', '', `upstream${at}`);
  if (!upstream.ok) return upstream;
  const enabled = booleanField(object.value, 'enabled', true, `enabled${at}`);
  if (!enabled.ok) return enabled;
  if (name.value === '') return fail(errors.missingField(`name${at}`));
  if (upstream.value === '') return fail(errors.missingField(`upstream${at}`));
  const checked = checkName(name.value, `name${at}`);
  if (!checked.ok) return checked;
  return ok({ name: name.value, listen: listen.value, upstream: upstream.value, enabled: enabled.value });
}

/** POST|PATCH /proxies/{name}: absent fields keep the proxy's current values (the name never changes). */
export function parseProxyUpdate(current: ProxyInput, body: unknown): Result<ProxyInput> {
  const object = bodyObject(body);
  if (!object.ok) return object;
  const listen = stringField(object.value, 'listen', current.listen);
  if (!listen.ok) return listen;
  const upstream = stringField(object.value, 'upstream', current.upstream);
  if (!upstream.ok) return upstream;
  const enabled = booleanField(object.value, 'enabled', current.enabled);
  if (!enabled.ok) return enabled;
  return ok({ name: current.name, listen: listen.value, upstream: upstream.value, enabled: enabled.value });
}

/** POST /populate: an array of proxy bodies, validated whole before anything is applied. */
export function parsePopulate(body: unknown, proxiesMax: number): Result<ProxyInput[]> {
  if (!Array.isArray(body)) return fail(errors.badRequestBody(`the body should be a JSON array of proxies, got ${describe(body)}`));
  if (body.length > proxiesMax) return fail(errors.tooMany('proxies', proxiesMax));
  const inputs: ProxyInput[] = [];
  const names = new Set<string>();
  for (const [index, entry] of body.entries()) {
    const input = parseProxyCreate(entry, ` at proxy ${index + 1}`);
    if (!input.ok) return input;
    // Go answers 500 here (a plain error); it is a bad request, so 400.
    if (names.has(input.value.name)) {
      return fail(errors.badRequestBody(`name at proxy ${index + 1}: duplicate proxy name ${JSON.stringify(input.value.name)}`));
    }
    names.add(input.value.name);
    inputs.push(input.value);
  }
  return ok(inputs);
}

function parseStream(value: unknown): Result<Stream> {
  if (value === undefined || value === null) return ok('downstream');
  const lower = typeof value === 'string' ? value.toLowerCase() : value;
  return lower === 'upstream' || lower === 'downstream' ? ok(lower) : fail(errors.invalidStream(value));
}

function parseToxicity(value: unknown, fallback: number): Result<number> {
  if (value === undefined || value === null) return ok(fallback);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    return fail(errors.badRequestBody(`toxicity should be a number from 0 to 1, got ${describe(value)}`));
  }
  return ok(value);
}

function isToxicType(value: unknown): value is ToxicType {
  return typeof value === 'string' && (TOXIC_TYPES as readonly string[]).includes(value);
}

/** Known attributes of `type` from `given` over `base`; unknown keys are ignored, as Go's decoder does. */
function parseAttributes(type: ToxicType, given: unknown, base: Attributes): Result<Attributes> {
  if (given !== undefined && given !== null && !isObject(given)) {
    return fail(errors.badRequestBody(`attributes should be a JSON object, got ${describe(given)}`));
  }
  const source: Json = isObject(given) ? given : {};
  const attributes: Record<string, number> = {};
  for (const spec of ATTRIBUTES[type]) {
    const value = source[spec.name] ?? base[spec.name] ?? 0;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max) {
      return fail(
        errors.badRequestBody(`attributes.${spec.name} should be an integer from ${spec.min} to ${spec.max}, got ${describe(value)}`),
      );
    }
    attributes[spec.name] = value;
  }
  return ok(attributes);
}

/** POST /proxies/{name}/toxics: defaults stream "downstream", toxicity 1, name `<type>_<stream>`. */
export function parseToxicCreate(body: unknown): Result<Toxic> {
  const object = bodyObject(body);
  if (!object.ok) return object;
  const stream = parseStream(object.value['stream']);
  if (!stream.ok) return stream;
  const type = object.value['type'];
  const name = stringField(object.value, 'name', '');
  if (!name.ok) return name;
  if (!isToxicType(type)) return fail(errors.invalidToxicType(type));
  const finalName = name.value === '' ? `${type}_${stream.value}` : name.value;
  const checked = checkName(finalName, 'name');
  if (!checked.ok) return checked;
  const toxicity = parseToxicity(object.value['toxicity'], 1);
  if (!toxicity.ok) return toxicity;
  const attributes = parseAttributes(type, object.value['attributes'], {});
  if (!attributes.ok) return attributes;
  return ok({ name: finalName, type, stream: stream.value, toxicity: toxicity.value, attributes: attributes.value });
}

/** POST|PATCH /proxies/{name}/toxics/{toxic}: only attributes (merged) and toxicity change, as in Go. */
export function parseToxicUpdate(current: Toxic, body: unknown): Result<Toxic> {
  const object = bodyObject(body);
  if (!object.ok) return object;
  const toxicity = parseToxicity(object.value['toxicity'], current.toxicity);
  if (!toxicity.ok) return toxicity;
  const attributes = parseAttributes(current.type, object.value['attributes'], current.attributes);
  if (!attributes.ok) return attributes;
  return ok({ ...current, toxicity: toxicity.value, attributes: attributes.value });
}

/** The wire shape, in Go's field order. */
export function toxicJson(toxic: Toxic): Record<string, unknown> {
  return { attributes: { ...toxic.attributes }, name: toxic.name, type: toxic.type, stream: toxic.stream, toxicity: toxic.toxicity };
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** "host:port", "[v6]:port" or ":port" (empty host); port 0..65535. */
export function parseHostPort(text: string, field: string): Result<HostPort> {
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || port > 65_535) {
    return fail(errors.badRequestBody(`${field} should be host:port with a port from 0 to 65535, got ${JSON.stringify(text)}`));
  }
  return ok({ host: match[1] ?? match[2] ?? '', port });
}
