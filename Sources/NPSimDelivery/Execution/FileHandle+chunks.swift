import Foundation

extension FileHandle {
    /// What is written to this (reading) handle, chunk by chunk, until end of file, without blocking a thread.
    /// The continuation is returned too, so a reader can give up on a pipe that another process keeps open.
    public func chunks() -> (AsyncStream<Data>, AsyncStream<Data>.Continuation) {
        let (stream, continuation) = AsyncStream.makeStream(of: Data.self)
        readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                continuation.finish()
            } else {
                continuation.yield(data)
            }
        }
        return (stream, continuation)
    }
}
