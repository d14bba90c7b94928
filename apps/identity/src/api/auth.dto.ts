import { IsString, Length, Matches } from 'class-validator';

export class SignInDto {
  @IsString()
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'username is letters, digits, dot, dash or underscore' })
  username!: string;

  @IsString()
  @Length(1, 256)
  password!: string;
}

export class RefreshDto {
  @IsString()
  @Length(16, 128)
  refreshToken!: string;
}
