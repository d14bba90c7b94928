import { AuthHeaders, PeerAuthenticator, sign } from './peer-auth';

const SECRET = 'dev-raft-secret';
const body = new Uint8Array(Buffer.from('batch'));

function signed(fields: Omit<AuthHeaders, 'signature'>, secret = SECRET, signedBody = body): AuthHeaders {
  return { ...fields, signature: sign(secret, fields, signedBody) };
}

describe('PeerAuthenticator', () => {
  let now = 1_000_000;
  const make = () => new PeerAuthenticator('n1', new Set(['n2', 'n3']), SECRET, 30_000, () => now);
  const base = { from: 'n2', to: 'n1', lane: 'messages' as const, epoch: 'e1', seq: 1, timestamp: 1_000_000 };

  it('accepts a request signed with the shared secret by a known peer', () => {
    expect(make().verify(signed(base), body)).toBe('ok');
  });

  it('drops a request signed with another secret, or whose body was altered', () => {
    const auth = make();
    expect(auth.verify(signed(base, 'guessed-secret'), body)).toBe('bad-signature');
    expect(auth.verify(signed(base), new Uint8Array(Buffer.from('batcH')))).toBe('bad-signature');
  });

  it('drops a request from a node that is not a member, even with a valid signature', () => {
    expect(make().verify(signed({ ...base, from: 'n9' }), body)).toBe('unknown-peer');
  });

  it('drops a request addressed to another node (a signed request cannot be redirected)', () => {
    expect(make().verify(signed({ ...base, to: 'n3' }), body)).toBe('misaddressed');
  });

  it('drops a replayed request, and an older one of the same epoch', () => {
    const auth = make();
    expect(auth.verify(signed({ ...base, seq: 5 }), body)).toBe('ok');
    expect(auth.verify(signed({ ...base, seq: 5 }), body)).toBe('replay');
    expect(auth.verify(signed({ ...base, seq: 4 }), body)).toBe('replay');
    expect(auth.verify(signed({ ...base, seq: 6 }), body)).toBe('ok');
  });

  it('keeps one sequence per lane, and a lane cannot be changed without breaking the signature', () => {
    const auth = make();
    expect(auth.verify(signed({ ...base, seq: 7 }), body)).toBe('ok');
    expect(auth.verify(signed({ ...base, lane: 'snapshots', seq: 1 }), body)).toBe('ok');
    expect(auth.verify(signed({ ...base, seq: 8 }), body)).toBe('ok');
    const relabelled = { ...signed({ ...base, seq: 9 }), lane: 'snapshots' as const };
    expect(auth.verify(relabelled, body)).toBe('bad-signature');
  });

  it('accepts a restarted sender (new epoch, later timestamp) but not a replay from its previous epoch', () => {
    const auth = make();
    expect(auth.verify(signed({ ...base, seq: 9 }), body)).toBe('ok');
    now += 1000;
    expect(auth.verify(signed({ ...base, epoch: 'e2', seq: 1, timestamp: now }), body)).toBe('ok');
    expect(auth.verify(signed({ ...base, seq: 10 }), body)).toBe('replay');
  });

  it('drops a request whose timestamp is outside the window', () => {
    expect(make().verify(signed({ ...base, timestamp: now - 60_000 }), body)).toBe('stale');
  });
});
