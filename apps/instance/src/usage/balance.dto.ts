import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';

/** `POST /tenants/{id}/balance/top-ups`: credits to add, once per `reference`. */
export class TopUpBalanceDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 1_000_000_000, description: 'Credits to add (whole credits).' })
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  credits!: number;
  @ApiProperty({
    minLength: 1,
    maxLength: 200,
    description:
      "The caller's id for this top-up (an invoice or payment id): a second top-up with the same reference adds nothing and answers as the first did.",
  })
  @IsString()
  @Length(1, 200)
  reference!: string;
}

/** A tenant's prepaid balance. */
export class BalanceDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Credits left; null: the tenant is not prepaid.' })
  balance!: number | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Last top-up or debit; null: not prepaid.',
  })
  updatedAt!: Date | null;
}

/** One top-up: what it added and the balance right after it (the same on a replay of its reference). */
export class TopUpDto {
  @ApiProperty() reference!: string;
  @ApiProperty({ description: 'Credits this top-up added.' }) credits!: number;
  @ApiProperty({ description: 'The balance right after this top-up.' }) balance!: number;
  @ApiProperty({ type: String, format: 'date-time', description: 'When this top-up was applied.' }) updatedAt!: Date;
}
