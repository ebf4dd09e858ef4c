import Foundation

#if canImport(Glibc)
import Glibc

private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin

private let systemRead = Darwin.read
#endif

extension FileHandle {
    /// What is written to this (reading) handle, chunk by chunk as it arrives, until end of file. The continuation
    /// is returned too, so a reader can give up on a pipe that another process keeps open.
    ///
    /// A thread of its own blocks in `read(2)`, so no thread of the cooperative pool ever waits. Not
    /// `readabilityHandler`: its dispatch source, still registered when a pipe is closed, crashed libdispatch's
    /// event loop once under load. The thread holds the handle, so its descriptor cannot be closed under the
    /// read; it ends at end of file, when every writer has closed the pipe.
    public func chunks() -> (AsyncStream<Data>, AsyncStream<Data>.Continuation) {
        let (stream, continuation) = AsyncStream.makeStream(of: Data.self)
        let reader = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { systemRead(fileDescriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    continuation.yield(Data(buffer[0..<count]))
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            continuation.finish()
        }
        reader.name = "npsim-pipe-reader"
        reader.start()
        return (stream, continuation)
    }
}
