import type { WixTokenError } from '../../src/runtime/token-error'

/** Runs `promise`, expects it to reject, and returns the rejection. */
export async function rejectionOf(promise: Promise<unknown>): Promise<WixTokenError> {
  try {
    await promise
  }
  catch (error) {
    return error as WixTokenError
  }
  throw new Error('expected the promise to reject')
}
