/// The pattern as a Thompson NFA: one instruction per consumed set, splits for alternatives and repetitions.
extension BoundedRegex {
    enum Instruction: Sendable {
        case consume(ScalarSet)
        case split(Int, Int)
        case jump(Int)
        case assert(Assertion)
        case match
    }

    struct Compiler {
        var program: [Instruction] = []

        mutating func emit(_ node: Node) throws(Error) {
            guard program.count <= BoundedRegex.maximumProgramSize else {
                throw Error(
                    description:
                        "the pattern is too large to be bounded (over \(BoundedRegex.maximumProgramSize) states; large {n,m} counts multiply its size)"
                )
            }
            switch node {
            case .empty: break
            case .scalars(let set): program.append(.consume(set))
            case .assertion(let assertion): program.append(.assert(assertion))
            case .concatenation(let items):
                for item in items { try emit(item) }
            case .alternation(let branches):
                var jumps: [Int] = []
                for (offset, branch) in branches.enumerated() {
                    if offset < branches.count - 1 {
                        let split = program.count
                        program.append(.split(split + 1, -1))
                        try emit(branch)
                        jumps.append(program.count)
                        program.append(.jump(-1))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try emit(branch)
                    }
                }
                for jump in jumps { program[jump] = .jump(program.count) }
            case .repetition(let body, let minimum, let maximum):
                for _ in 0..<minimum { try emit(body) }
                if let maximum {
                    var splits: [Int] = []
                    for _ in minimum..<maximum {
                        splits.append(program.count)
                        program.append(.split(program.count + 1, -1))
                        try emit(body)
                    }
                    for split in splits { program[split] = .split(split + 1, program.count) }
                } else {
                    let loop = program.count
                    program.append(.split(loop + 1, -1))
                    try emit(body)
                    program.append(.jump(loop))
                    program[loop] = .split(loop + 1, program.count)
                }
            }
        }
    }
}
