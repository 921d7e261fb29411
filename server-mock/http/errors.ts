// How the HTTP mock answers problems: every one is a JSON ErrorBody `{error, field?, message}`
// with a 4xx (or a bare 500 for our own bugs), never an HTML page or a stack trace.
// Maps body-parser's errors (broken JSON, too large, bad encoding) to fields and statuses.

import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { ErrorBody } from '../../engine/protocol.ts';

export function sendError(res: Response, status: number, body: ErrorBody, headers: Readonly<Record<string, string>> = {}): void {
  res.status(status).set(headers).json(body);
}

function clip(text: string, lengthMax = 120): string {
  return text.length <= lengthMax ? text : `${text.slice(0, lengthMax - 3)}...`;
}

export function notFound(): RequestHandler {
  return (req, res) => sendError(res, 404, { error: 'not_found', message: `no route ${req.method} ${clip(req.path)}` });
}

export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  const allow = allowed.includes('GET') ? [...allowed, 'HEAD'] : [...allowed];
  return (req, res) =>
    sendError(res, 405, { error: 'method_not_allowed', message: `${req.method} is not allowed on ${clip(req.path)}; use ${allowed.join(' or ')}` }, { allow: allow.join(', ') });
}

interface BodyParserError {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly expose?: unknown;
  readonly message?: unknown;
  readonly limit?: unknown;
  readonly length?: unknown;
}

/** The answer to a body-parser (http-errors) failure, or null for anything else. */
function bodyErrorReply(error: BodyParserError): { status: number; body: ErrorBody } | null {
  const message = typeof error.message === 'string' ? clip(error.message, 200) : 'unreadable body';
  switch (error.type) {
    case 'entity.parse.failed':
      return { status: 400, body: { error: 'bad_request', field: 'body', message: `body should be a JSON object or array, could not parse it: ${message}` } };
    case 'entity.too.large': {
      const got = typeof error.length === 'number' ? `${error.length} bytes` : 'more';
      return { status: 413, body: { error: 'body_too_large', field: 'body', message: `body should be at most ${String(error.limit)} bytes, got ${got}` } };
    }
    case 'encoding.unsupported':
      return { status: 415, body: { error: 'unsupported_media_type', field: 'content-encoding', message } };
    case 'charset.unsupported':
      return { status: 415, body: { error: 'unsupported_media_type', field: 'content-type', message } };
    case 'request.size.invalid':
      return { status: 400, body: { error: 'bad_request', field: 'content-length', message: 'content-length should match the body size' } };
    default:
      break;
  }
  // Other http-errors raised on the way in (e.g. a malformed URL) are the client's problem too.
  if (typeof error.status === 'number' && error.status >= 400 && error.status < 500 && error.expose === true) {
    return { status: error.status, body: { error: 'bad_request', message } };
  }
  return null;
}

/**
 * The last handler: a known request problem becomes its 4xx; anything else is our bug, logged
 * here and answered as a plain 500 without details. Never throws.
 */
export function finalErrorHandler(log: (line: string) => void): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, _next) => {
    try {
      if (res.headersSent || req.socket.destroyed) {
        req.socket.destroy();
        return;
      }
      const known = typeof error === 'object' && error !== null ? bodyErrorReply(error as BodyParserError) : null;
      if (known !== null) {
        // A body that fails to decompress (e.g. "br" on plain text) surfaces as a bare 400.
        const encoding = req.headers['content-encoding'];
        if (known.body.field === undefined && encoding !== undefined && encoding.toLowerCase() !== 'identity') {
          known.body = { ...known.body, field: 'content-encoding', message: `body could not be decoded as ${clip(encoding, 40)}: ${known.body.message}` };
        }
        sendError(res, known.status, known.body);
        return;
      }
      log(`internal error on ${req.method} ${clip(req.originalUrl)}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      sendError(res, 500, { error: 'internal', message: 'internal server error' });
    } catch {
      req.socket.destroy();
    }
  };
}
