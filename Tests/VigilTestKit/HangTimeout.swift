/// How long a test waits for what should come at once (an answer from a server it started, a connection
/// closed by a short timeout) before it calls the wait a hang: ten minutes, so only a hang reaches it.
/// Swift's pool answers an in-process server's requests and resumes the waiting test, and CI's parallel
/// run has kept both of its threads busy for over two minutes (stop 40: 127 s), so a shorter bound
/// failed tests on a stall alone.
public let hangTimeout: Double = 600
