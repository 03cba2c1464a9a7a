import { buildProgram } from './program'

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(`lookout: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  })
