// `nuxt-wix-visitor/testing`: the Wix stand-in the module's own tests run against, for users' tests of their apps.
export { startWixStandIn, STAND_IN_CLIENT_ID, STAND_IN_MEMBER_ID, STAND_IN_MEMBER_COOKIE } from './testing/wix-stand-in'
export type { WixStandIn, WixStandInOptions, Failure, TokenRequest, ApiRequest, RedirectIntent, RedirectSessionRecord, OrderRecord, LogoutRecord } from './testing/wix-stand-in'
