import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { actingCustomer, Caller, mayRead } from '@shop/auth';
import type { Principal } from '@shop/auth';
import { BodyBounds, Invalid } from '@shop/common';
import { CUSTOMER_ID_FORMAT } from '@shop/contracts';
import type { FastifyReply } from 'fastify';
import { OrderNotFound } from '../application/order.errors';
import { OrderQueries } from '../application/order.queries';
import { OrderView } from '../application/order.view';
import { PlaceOrderHandler } from '../application/place-order.handler';
import { CustomerRefDto, PlaceOrderDto } from './order.dto';

/**
 * The customer is the gateway proof's subject (`@Caller()`): a body's or query's customerId may be omitted and
 * must otherwise be the caller (403); another customer's order answers 404, so ids cannot be probed.
 */
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
  issueToken(@Caller() caller: Principal, @Body() body: CustomerRefDto) {
    return this.placeOrder.issueToken(actingCustomer(caller, body.customerId));
  }

  /** Up to MAX_LINES lines of about 50 bytes: 16 KiB leaves room for spacing, and for a 21st line to get its 400. */
  @Post()
  @BodyBounds({ maxBytes: 16 * 1024, maxDepth: 3, maxArrayLength: 100 })
  async place(
    @Caller() caller: Principal,
    @Headers('idempotency-key') key: string | undefined,
    @Body() body: PlaceOrderDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const result = await this.placeOrder.place(key, {
      customerId: actingCustomer(caller, body.customerId),
      items: body.items.map((l) => ({ sku: l.sku, quantity: l.quantity })),
    });
    reply.status(result.status);
    if (result.replayed) reply.header('Idempotent-Replayed', 'true');
    return result.body;
  }

  @Get(':id')
  async byId(@Caller() caller: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<OrderView> {
    const order = await this.queries.byId(id);
    if (!mayRead(caller, order.customerId)) throw new OrderNotFound(id);
    return order;
  }

  @Get()
  byCustomer(@Caller() caller: Principal, @Query('customerId') customerId: unknown): Promise<OrderView[]> {
    if (customerId !== undefined && (typeof customerId !== 'string' || !CUSTOMER_ID_FORMAT.test(customerId))) {
      throw new Invalid('bad_request', 'customerId must look like c-<number>');
    }
    return this.queries.byCustomer(actingCustomer(caller, customerId));
  }
}
