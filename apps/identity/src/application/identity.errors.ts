import { Throttled, Unauthenticated, Unavailable } from '@shop/common';

/** What sign-in and refresh refuse, in the application's words; the status comes from libs/common's one table. */

/** A wrong password and an unknown user name get this same answer. */
export class InvalidCredentials extends Unauthenticated {
  constructor() {
    super('invalid_credentials', 'wrong user name or password');
  }
}

export class TooManyFailedSignIns extends Throttled {
  constructor(lockedForSec: number) {
    super('too_many_attempts', `too many failed sign-ins for this user name; retry in ${lockedForSec} s`, lockedForSec);
  }
}

/** Every password check slot is busy (each holds ~32 MiB for ~0.1 s): the client retries. */
export class SignInsAtCapacity extends Unavailable {
  constructor() {
    super('overloaded', 'too many sign-ins at once; retry');
  }
}

export class InvalidRefreshToken extends Unauthenticated {
  constructor() {
    super('invalid_refresh_token', 'refresh token unknown, used, revoked or expired: sign in again');
  }
}

/** Redis (failure counts, sessions) is identity's own dependency. */
export class SessionStoreUnavailable extends Unavailable {
  constructor() {
    super('session_store_unavailable', 'sign-in is unavailable right now; retry');
  }
}
