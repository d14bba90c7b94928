import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { CUSTOMER_ID_FORMAT, SKU_FORMAT } from '@shop/contracts';
import { MAX_LINES, MAX_QUANTITY } from '../domain/order';


/** `customerId` may be omitted: the customer is the signed-in caller (see OrderController). */
export class CustomerRefDto {
  @IsOptional()
  @IsString()
  @Matches(CUSTOMER_ID_FORMAT, { message: 'customerId must look like c-<number>' })
  customerId?: string;
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
