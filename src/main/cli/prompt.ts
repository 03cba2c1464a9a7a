import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'
import { SecretFileError } from '../core/profiles/secret-file'

/**
 * Asks a question on the terminal and reads the answer without echoing it (a passphrase). The
 * question goes to standard error, so standard output stays the command's own.
 */
export function promptHidden(question: string): Promise<string> {
  process.stderr.write(question)
  let muted = true
  const sink = new Writable({
    write(chunk, _enc, done) {
      if (!muted) process.stderr.write(chunk)
      done()
    }
  })
  const rl = createInterface({ input: process.stdin, output: sink, terminal: true })
  return new Promise((resolve, reject) => {
    rl.question('', (answer) => {
      muted = false
      process.stderr.write('\n')
      rl.close()
      resolve(answer)
    })
    rl.once('SIGINT', () => {
      rl.close()
      reject(new SecretFileError('no passphrase given (cancelled)'))
    })
  })
}
