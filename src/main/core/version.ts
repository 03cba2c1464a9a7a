/** Set at build time from package.json; "dev" when run from source. */
declare const __LOOKOUT_VERSION__: string | undefined
export const LOOKOUT_VERSION: string = typeof __LOOKOUT_VERSION__ === 'string' ? __LOOKOUT_VERSION__ : 'dev'
