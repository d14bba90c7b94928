import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiError, BodyBounds } from '@shop/common';
import { CUSTOMER_ID_FORMAT } from '@shop/contracts';
import type { FastifyReply } from 'fastify';
import { OrderQueries } from '../application/order.queries';
import { OrderView } from '../application/order.view';
import { PlaceOrderHandler } from '../application/place-order.handler';
import { CustomerRefDto, PlaceOrderDto } from './order.dto';

@Controller('orders')
export class OrderController {
  constructor(
    private readonly placeOrder: PlaceOrderHandler,
    private readonly queries: OrderQueries,
  ) {}

  /** `{"customerId"}`: a few dozen bytes. */
  @Post('tokens')
  @BodyBounds({ maxBytes: 1024, maxDepth: 2, maxArrayLength: 0 })
  @HttpCode(201)
  issueToken(@Body() body: CustomerRefDto) {
    return this.placeOrder.issueToken(body.customerId);
  }

  /** Up to MAX_LINES lines of about 50 bytes: 16 KiB leaves room for spacing, and for a 21st line to get its 400. */
  @Post()
  @BodyBounds({ maxBytes: 16 * 1024, maxDepth: 3, maxArrayLength: 100 })
  async place(
    @Headers('idempotency-key') key: string | undefined,
    @Body() body: PlaceOrderDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const result = await this.placeOrder.place(key, {
      customerId: body.customerId,
      items: body.items.map((l) => ({ sku: l.sku, quantity: l.quantity })),
    });
    reply.status(result.status);
    if (result.replayed) reply.header('Idempotent-Replayed', 'true');
    return result.body;
  }

  @Get(':id')
  byId(@Param('id', new ParseUUIDPipe()) id: string): Promise<OrderView> {
    return this.queries.byId(id);
  }

  @Get()
  byCustomer(@Query('customerId') customerId: unknown): Promise<OrderView[]> {
    if (typeof customerId !== 'string' || !CUSTOMER_ID_FORMAT.test(customerId)) {
      throw new ApiError(400, 'bad_request', 'customerId is required and must look like c-<number>');
    }
    return this.queries.byCustomer(customerId);
  }
}
