import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { Caller, CurrentCaller } from './caller';
import { PermissionAnswer, WhoamiService, WhoamiView } from './whoami.service';

/**
 * `GET /v3/auth/whoami` and `POST /v3/auth/permissions`: who the authenticated caller is, and
 * what it may do (its own permissions only), answered by the broker's authorizer. Any
 * authenticated caller; with auth on, no credentials is 401/40101 (the authentication hook).
 * The permissions POST answers 200: it asks, it creates nothing.
 */
@Controller('v3/auth')
export class WhoamiController {
  constructor(private readonly identity: WhoamiService) {}

  @Get('whoami')
  whoami(@CurrentCaller() caller: Caller): WhoamiView {
    return this.identity.whoami(caller);
  }

  @Post('permissions')
  @HttpCode(200)
  permissions(@CurrentCaller() caller: Caller, @Body() body: unknown): { data: PermissionAnswer[] } {
    return { data: this.identity.permissions(caller, body) };
  }
}
