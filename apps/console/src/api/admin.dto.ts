import { IsDefined } from 'class-validator';

/** `PUT /console/admin/config/<key>`: `{"value": <any JSON>}` and nothing else (the pipe refuses other fields). */
export class ConfigValueDto {
  @IsDefined({ message: 'body must be {"value": <any JSON>}' })
  value!: unknown;
}
