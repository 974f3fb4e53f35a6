import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An exec credential plugin's process: spawned in a process group of its own, with every signal at its
/// default disposition and none blocked (whatever Vigil inherited or set up), so that on a timeout one
/// `SIGKILL` to the group ends the plugin and anything it started. `Foundation.Process` can do neither:
/// a plugin that blocked `SIGTERM` outlived its timeout, reparented, and every retry of a watch leaked
/// another. Where the C library can (glibc 2.34 and later: ``closesInheritedDescriptors``), the plugin
/// inherits no descriptor but its standard input, output and error, as kubectl's plugins do: not Vigil's
/// sockets to the API server or its open files, whatever their close-on-exec flag.
struct PluginProcess {
    let pid: pid_t
    /// The read ends of the plugin's standard output and error.
    let output: FileHandle
    let errors: FileHandle

    /// Whether a plugin is spawned with every descriptor from 3 up closed; false where the C library lacks
    /// `posix_spawn_file_actions_addclosefrom_np`, and then only close-on-exec keeps one from the plugin.
    static var closesInheritedDescriptors: Bool { addCloseFrom != nil }

    struct SpawnError: Error {
        let message: String
        /// The executable was not found (`ENOENT`): what an install hint is for.
        var notFound = false
    }

    /// Starts `command` (looked up in `PATH`) with `arguments` and exactly `environment`; its standard
    /// input is `/dev/null`.
    static func spawn(
        _ command: String,
        arguments: [String],
        environment: [String: String]
    ) throws(SpawnError) -> PluginProcess {
        var outputPipe: [Int32] = [0, 0]
        var errorPipe: [Int32] = [0, 0]
        guard pipe(&outputPipe) == 0 else { throw SpawnError(message: String(cString: strerror(errno))) }
        guard pipe(&errorPipe) == 0 else {
            close(outputPipe[0])
            close(outputPipe[1])
            throw SpawnError(message: String(cString: strerror(errno)))
        }
        // Close-on-exec: a process another thread spawns must not inherit the write ends, or the
        // plugin's output would not end when the plugin does. (The plugin's own copies, made by dup2
        // onto 1 and 2, do not carry the flag.) Glibc's pipe2, which would set it atomically, is not
        // visible to Swift; the window between the two calls is a few instructions.
        for descriptor in outputPipe + errorPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
        // (A pipe end below 3, where Vigil started without one of its own standard descriptors, is now the
        // plugin's, not a copy to close.)
        for descriptor in outputPipe + errorPipe where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        // Descriptors opened without close-on-exec (libcurl's, a library's) would otherwise stay open in
        // the plugin and anything it leaves running.
        if let closeFrom = addCloseFrom {
            let status = closeFrom(&actions, 3)
            guard status == 0 else {
                for descriptor in outputPipe + errorPipe { close(descriptor) }
                throw SpawnError(message: String(cString: strerror(status)))
            }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        var noSignal = sigset_t()
        sigemptyset(&noSignal)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setsigmask(&attributes, &noSignal)
        posix_spawnattr_setpgroup(&attributes, 0)  // a new group, led by the plugin
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        )

        let argv = ([command] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, command, &actions, &attributes, argv, envp)
        close(outputPipe[1])
        close(errorPipe[1])
        guard status == 0 else {
            close(outputPipe[0])
            close(errorPipe[0])
            throw SpawnError(message: String(cString: strerror(status)), notFound: status == ENOENT)
        }
        return PluginProcess(
            pid: pid,
            output: FileHandle(fileDescriptor: outputPipe[0], closeOnDealloc: true),
            errors: FileHandle(fileDescriptor: errorPipe[0], closeOnDealloc: true)
        )
    }

    /// Everything `handle` yields until its end, read on a dispatch thread: a blocking read must not
    /// hold one of the few threads of Swift's cooperative pool while the plugin runs.
    static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
    }

    /// The exit status once the plugin has ended (a signal's number + 128 when one ended it), nil while
    /// it runs.
    func exitStatus() -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return result < 0 ? -1 : nil }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Kills the plugin's whole process group and reaps the plugin.
    func killGroup() {
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    }
}

private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), looked up at run time: its
/// declaration needs `_GNU_SOURCE`, which Swift's Glibc module is not built with. Nil where the C library
/// lacks it (older glibc, musl).
private let addCloseFrom: AddCloseFrom? =
    dlsym(dlopen(nil, RTLD_LAZY), "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: AddCloseFrom.self)
    }
