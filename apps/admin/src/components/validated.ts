// antd's validateFields() rejects when a field fails its check; the form already shows the
// message, so a failed check is an outcome, not an error: null instead of an uncaught rejection.
import type { FormInstance } from 'antd';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function validated<T = any>(form: FormInstance<T>): Promise<T | null> {
  try {
    return await form.validateFields();
  } catch (e) {
    if (e && typeof e === 'object' && 'errorFields' in e) return null;
    throw e;
  }
}
