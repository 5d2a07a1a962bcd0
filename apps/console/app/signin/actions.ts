'use server';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { BrokerError, broker, type WhoAmI } from '@/lib/broker';
import { COOKIE, IDLE_MS, createSession, deleteSession } from '@/lib/sessions';

export interface SignInState {
  error?: string;
}

/** Only a path on this console: never an open redirect to another site. */
function safeNext(value: FormDataEntryValue | null): string {
  const text = typeof value === 'string' ? value : '';
  return text.startsWith('/') && !text.startsWith('//') && !text.startsWith('/\\') ? text : '/';
}

/**
 * Signs in with a user name and password (HTTP Basic to the broker) or an API key (Bearer): the
 * broker checks them (`GET /v3/auth/whoami`); the console keeps them server-side and gives the
 * browser only an HTTP-only session cookie.
 */
export async function signIn(_previous: SignInState, form: FormData): Promise<SignInState> {
  const method = form.get('method') === 'api-key' ? 'api-key' : 'password';
  let authorization: string;
  if (method === 'api-key') {
    const key = String(form.get('api_key') ?? '').trim();
    if (!key) return { error: 'Enter an API key.' };
    authorization = `Bearer ${key}`;
  } else {
    const user = String(form.get('user') ?? '');
    const password = String(form.get('password') ?? '');
    if (!user || !password) return { error: 'Enter a user name and a password.' };
    if (user.includes(':')) return { error: 'A user name cannot contain a colon.' };
    authorization = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
  }
  let me: WhoAmI;
  try {
    me = await broker.as<WhoAmI>(authorization, 'GET', '/v3/auth/whoami');
  } catch (error) {
    if (error instanceof BrokerError && error.status === 401)
      return { error: 'Sign-in failed: the broker did not accept these credentials.' };
    if (error instanceof BrokerError && error.status === 429) return { error: `Too many attempts: ${error.message}` };
    return { error: (error as Error).message };
  }
  const id = createSession(authorization, me.principal);
  const secure = (await headers()).get('x-forwarded-proto') === 'https';
  (await cookies()).set(COOKIE, id, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: Math.floor(IDLE_MS / 1000) });
  redirect(safeNext(form.get('next')));
}

export async function signOut(): Promise<void> {
  const jar = await cookies();
  deleteSession(jar.get(COOKIE)?.value);
  jar.delete(COOKIE);
  redirect('/signin');
}
