extension BoundedRegex {
    /// Runs every NFA state in step over the input: each state is visited at most once per position.
    struct Machine {
        let program: [Instruction]
        let input: [Unicode.Scalar]
        var steps = 0
        var seen: [Int]
        var generation = 0

        init(program: [Instruction], input: [Unicode.Scalar]) {
            self.program = program
            self.input = input
            self.seen = Array(repeating: -1, count: program.count)
        }

        mutating func search() -> Bool? {
            var current: [Int] = []
            var following: [Int] = []
            var stack: [Int] = []
            for position in 0...input.count {
                generation = position
                // A match may start at any position: start a thread here too.
                guard add(0, at: position, to: &current, stack: &stack) else { return nil }
                if current.contains(where: { if case .match = program[$0] { true } else { false } }) { return true }
                guard position < input.count else { break }
                let scalar = input[position]
                generation = position + 1
                following.removeAll(keepingCapacity: true)
                for pc in current {
                    steps += 1
                    if case .consume(let set) = program[pc], set.contains(scalar) {
                        guard add(pc + 1, at: position + 1, to: &following, stack: &stack) else { return nil }
                    }
                }
                if steps > BoundedRegex.stepBudget { return nil }
                swap(&current, &following)
            }
            return false
        }

        /// Adds the state `pc` and everything reachable from it without consuming input; `false` past the budget.
        private mutating func add(_ pc: Int, at position: Int, to list: inout [Int], stack: inout [Int]) -> Bool {
            stack.append(pc)
            while let pc = stack.popLast() {
                steps += 1
                guard seen[pc] != generation else { continue }
                seen[pc] = generation
                switch program[pc] {
                case .jump(let target): stack.append(target)
                case .split(let first, let second):
                    stack.append(second)
                    stack.append(first)
                case .assert(let assertion):
                    if holds(assertion, at: position) { stack.append(pc + 1) }
                case .consume, .match: list.append(pc)
                }
            }
            return steps <= BoundedRegex.stepBudget
        }

        private func holds(_ assertion: Assertion, at position: Int) -> Bool {
            switch assertion {
            case .start: return position == 0
            case .end: return position == input.count
            case .wordBoundary, .notWordBoundary:
                let before = position > 0 && ScalarClass.word.contains(input[position - 1])
                let after = position < input.count && ScalarClass.word.contains(input[position])
                return (before != after) == (assertion == .wordBoundary)
            }
        }
    }
}
