import { Module } from '@nestjs/common';
import { CommonModule } from '@shop/common';

@Module({
  imports: [CommonModule.forRoot()],
})
export class PaymentModule {}
