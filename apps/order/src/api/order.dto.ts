import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsInt, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { MAX_LINES, MAX_QUANTITY } from '../domain/order';

/** Customer ids are `c-<number>` (demo data: c-1 .. c-100). */
export const CUSTOMER_ID_FORMAT = /^c-[1-9][0-9]{0,8}$/;
/** Skus are upper-case letters, digits and dashes (demo data: SKU-0001 .. SKU-0020). */
export const SKU_FORMAT = /^[A-Z0-9][A-Z0-9-]{0,39}$/;

export class CustomerRefDto {
  @IsString()
  @Matches(CUSTOMER_ID_FORMAT, { message: 'customerId must look like c-<number>' })
  customerId!: string;
}

export class OrderLineDto {
  @IsString()
  @Matches(SKU_FORMAT, { message: 'sku must be 1..40 upper-case letters, digits or dashes' })
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity!: number;
}

export class PlaceOrderDto extends CustomerRefDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_LINES)
  @ArrayUnique((line: OrderLineDto) => line?.sku, { message: 'each sku may appear on one line only' })
  @ValidateNested({ each: true })
  @Type(() => OrderLineDto)
  items!: OrderLineDto[];
}
