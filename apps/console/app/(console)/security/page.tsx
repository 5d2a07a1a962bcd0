import { redirect } from 'next/navigation';

/** /security opens the users page (the nav links each security page). */
export default function SecurityPage() {
  redirect('/security/users');
}
