// A separate process that PINGs a Redis every millisecond over a raw socket and reports, on
// "report", the worst round trip since the last report. Its own event loop is idle, so what it
// measures is the server, not the process running the job.
import { connect } from 'node:net'

const sock = connect({ port: Number(process.argv[2]), host: '127.0.0.1' })
let worst = 0
const sent = []
let buf = ''
sock.setNoDelay(true)
sock.on('data', (d) => {
  buf += d
  let i
  while ((i = buf.indexOf('\r\n')) !== -1) {
    buf = buf.slice(i + 2)
    const t = sent.shift()
    if (t !== undefined) worst = Math.max(worst, performance.now() - t)
  }
})
const timer = setInterval(() => {
  // One in flight at a time, like a client waiting for its answer.
  if (sent.length === 0) {
    sent.push(performance.now())
    sock.write('PING\r\n')
  }
}, 1)
process.on('message', (m) => {
  if (m === 'report') {
    process.send({ worst })
    worst = 0
  } else if (m === 'stop') {
    clearInterval(timer)
    sock.end()
    process.exit(0)
  }
})
