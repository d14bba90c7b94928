import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './api-error';
import { JsonShapeBounds, jsonShapeProblem } from './json-shape-bounds';

/** What a route accepts as a JSON body, checked before any object is built from it. */
export interface BodyBounds extends JsonShapeBounds {
  /** Bytes of the body as sent (413 above it, refused from Content-Length before reading when it is declared). */
  readonly maxBytes: number;
}

/** The bounds of every route that does not declare its own: the contract's 1 MiB, and shapes no API of ours needs. */
export const DEFAULT_BODY_BOUNDS: BodyBounds = { maxBytes: 1024 * 1024, maxDepth: 32, maxArrayLength: 1000 };

const CONFIG_KEY = 'bodyBounds';
type RouteConfigWithBounds = { [CONFIG_KEY]?: Partial<BodyBounds> };

/**
 * A route's own bounds, sized to what it takes (an order: 20 lines; a token request: one id). Unset fields keep
 * the app's defaults. Example: `@Post('tokens') @BodyBounds({ maxBytes: 1024 })`.
 */
export const BodyBounds = (bounds: Partial<BodyBounds>): MethodDecorator => RouteConfig({ [CONFIG_KEY]: bounds });

/**
 * Installs the JSON body parser of an app, before its routes are registered: each route's byte limit is
 * Fastify's own `bodyLimit` (set when the route is added), and its depth and array bounds are checked on the raw
 * text by one cheap scan before JSON.parse, so that DTO validation, which recurses once per level and validates
 * every element before counting them, only ever sees bodies of a sane shape. A refused body is a 400 (413 for
 * bytes) in the contract's shape, never a stack overflow's 500. Prototype poisoning is refused as by Fastify's
 * default parser. JSON is the only body type (415 for any other).
 *
 * The app must not let Nest register its own JSON parser (`NestFactory.create(..., { bodyParser: false })`).
 */
export function installBodyBounds(fastify: FastifyInstance, defaults: BodyBounds): void {
  fastify.addHook('onRoute', (route) => {
    const own = (route.config as RouteConfigWithBounds | undefined)?.[CONFIG_KEY];
    const bounds: BodyBounds = { ...defaults, ...own };
    route.bodyLimit = bounds.maxBytes;
    route.config = { ...(route.config as object), [CONFIG_KEY]: bounds };
  });
  // Fastify parses text/plain by default: a second way in for a body that no scan has seen (the registry parses
  // a string body as JSON). No API of ours takes text: 415.
  fastify.removeContentTypeParser('text/plain');
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request: FastifyRequest, body: string | Buffer, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const bounds = (request.routeOptions.config as RouteConfigWithBounds | undefined)?.[CONFIG_KEY] ?? defaults;
    const problem = jsonShapeProblem(text, { ...defaults, ...bounds });
    if (problem !== null) return done(new ApiError(400, 'body_too_complex', problem), undefined);
    parseJson(request, text, done);
  });
}
