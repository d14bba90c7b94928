import { Inject, Injectable } from '@nestjs/common';
import { OrderNotFound } from './order.errors';
import { OrderStore } from './order-store.port';
import { OrderView, toView } from './order.view';

/** How many orders `GET /orders?customerId=` returns at most (the newest). */
export const MAX_ORDERS_LISTED = 100;

@Injectable()
export class OrderQueries {
  constructor(@Inject(OrderStore) private readonly orders: OrderStore) {}

  async byId(id: string): Promise<OrderView> {
    const order = await this.orders.findById(id);
    if (!order) throw new OrderNotFound(id);
    return toView(order);
  }

  async byCustomer(customerId: string): Promise<OrderView[]> {
    return (await this.orders.findByCustomer(customerId, MAX_ORDERS_LISTED)).map(toView);
  }
}
