import { RefusalCode } from '@shop/common';
import { IsInt, IsString, Length, Max, Min, ValidateBy } from 'class-validator';

export const DEFAULT_TTL_MS = 10_000;
const MIN_TTL_MS = 1000;
const MAX_TTL_MS = 10 * 60_000;
const MAX_META_ENTRIES = 32;
const MAX_META_CHARS = 256;

const ADDRESS = 'address must be a host name or IP';
const PORT = 'port must be 1..65535';
const TTL = `ttlMs must be ${MIN_TTL_MS}..${MAX_TTL_MS}`;

/** `meta`: an object of at most MAX_META_ENTRIES strings, keys and values of at most MAX_META_CHARS characters. */
function IsMeta(): PropertyDecorator {
  return ValidateBy({
    name: 'isMeta',
    validator: {
      validate: (meta: unknown) => {
        if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return false;
        const entries = Object.entries(meta);
        return entries.length <= MAX_META_ENTRIES && entries.every(([k, v]) => typeof v === 'string' && k.length <= MAX_META_CHARS && v.length <= MAX_META_CHARS);
      },
      defaultMessage: (args) =>
        typeof args?.value !== 'object' || args.value === null || Array.isArray(args.value)
          ? 'meta must be an object of strings'
          : `meta holds at most ${MAX_META_ENTRIES} string entries of ${MAX_META_CHARS} characters`,
    },
  });
}

/** The body of `PUT /v1/services/<service>/<instanceId>`: where the instance listens, and its lease's length. */
@RefusalCode('invalid_body')
export class RegistrationDto {
  @IsString({ message: ADDRESS })
  @Length(1, 255, { message: ADDRESS })
  address!: string;

  @IsInt({ message: PORT })
  @Min(1, { message: PORT })
  @Max(65535, { message: PORT })
  port!: number;

  @IsMeta()
  meta: Record<string, string> = {};

  @IsInt({ message: TTL })
  @Min(MIN_TTL_MS, { message: TTL })
  @Max(MAX_TTL_MS, { message: TTL })
  ttlMs: number = DEFAULT_TTL_MS;
}
