import { Injectable } from '@nestjs/common';
import { ApiError } from '@shop/common';
import { OrderRepository } from '../infrastructure/order.repository';
import { OrderView, toView } from './order.view';

/** How many orders `GET /orders?customerId=` returns at most (the newest). */
export const MAX_ORDERS_LISTED = 100;

@Injectable()
export class OrderQueries {
  constructor(private readonly orders: OrderRepository) {}

  async byId(id: string): Promise<OrderView> {
    const order = await this.orders.findById(id);
    if (!order) throw new ApiError(404, 'order_not_found', `no order ${id}`);
    return toView(order);
  }

  async byCustomer(customerId: string): Promise<OrderView[]> {
    return (await this.orders.findByCustomer(customerId, MAX_ORDERS_LISTED)).map(toView);
  }
}
