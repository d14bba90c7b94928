import { ValidationPipe } from '@nestjs/common';

/** DTOs validate with class-validator: unknown fields are rejected, not silently dropped (400). */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
  });
}
