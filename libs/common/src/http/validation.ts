import { ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { ApiError } from './api-error';

const REFUSAL_CODE = Symbol('refusal code');

/**
 * The error code a DTO's 400 carries when its API names its refusals (the registry's `invalid_body`); without
 * it a refusal is the generic `bad_request`.
 */
export function RefusalCode(code: string): ClassDecorator {
  return (target) => Reflect.defineMetadata(REFUSAL_CODE, code, target);
}

function refusalCodeOf(metadata: ArgumentMetadata): string | undefined {
  return typeof metadata.metatype === 'function' ? Reflect.getOwnMetadata(REFUSAL_CODE, metadata.metatype) : undefined;
}

/**
 * Validation that answers with the DTO's own refusal code, each distinct message once. A parameter whose type
 * names no refusal code goes straight to ValidationPipe (no extra await on every parameter of every request).
 */
class CodedValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const code = refusalCodeOf(metadata);
    return code === undefined ? super.transform(value, metadata) : this.transformCoded(value, metadata, code);
  }

  private async transformCoded(value: unknown, metadata: ArgumentMetadata, code: string): Promise<unknown> {
    if (metadata.type === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new ApiError(400, code, 'the body must be a JSON object');
    }
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (!(error instanceof BadRequestException)) throw error;
      const detail = (error.getResponse() as { message?: unknown }).message;
      throw new ApiError(400, code, Array.isArray(detail) ? [...new Set(detail)].join('; ') : String(detail ?? error.message));
    }
  }
}

/** DTOs validate with class-validator: unknown fields are rejected, not silently dropped (400). */
export function createValidationPipe(): ValidationPipe {
  return new CodedValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
  });
}
