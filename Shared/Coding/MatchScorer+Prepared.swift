extension MatchScorer {
    /// Numbers for strings, so that comparing two events compares small sorted integer arrays.
    struct Interner {
        private(set) var ids: [String: Int] = [:]

        mutating func id(_ text: String) -> Int {
            if let id = ids[text] { return id }
            let id = ids.count
            ids[text] = id
            return id
        }

        /// The sorted, duplicate-free ids of `texts`.
        mutating func ids(_ texts: [String]) -> [Int] {
            SortedSets.make(texts.map { id($0) })
        }
    }

    /// One interner per kind of string an event carries.
    struct Interners {
        var words = Interner()
        var actors = Interner()
        var creators = Interner()
        var clusters = Interner()
        var types = Interner()
        var documents = Interner()
    }

    /// An event with its strings interned, its title words and actors sorted and deduplicated.
    ///
    /// A class, so that the inner loop of ``suggestions(_:minimum:document:limit:)`` shares rather than copies.
    final class Prepared {
        let event: MatchEvent
        let words: [Int]
        let actors: [Int]
        let creator: Int
        let cluster: Int
        /// -1 without a type.
        let type: Int
        /// -1 without a document.
        let document: Int

        init(_ event: MatchEvent, interners: inout Interners) {
            self.event = event
            words = interners.words.ids(MatchScorer.titleWords(event.title))
            actors = interners.actors.ids(event.actors)
            creator = interners.creators.id(event.creator)
            cluster = interners.clusters.id(event.cluster)
            type = event.type.map { interners.types.id($0) } ?? -1
            document = event.document.map { interners.documents.id($0) } ?? -1
        }
    }

    /// The blocks of ``suggestions(_:minimum:document:limit:)``: same document, same title word, same month.
    struct Blocks {
        /// The events of each compared block.
        var members: [[Int]] = []
        /// The compared blocks of each event.
        var of: [[Int]]

        init(_ events: [Prepared], words: Int, cap: Int, documentCap: Int) {
            var byWord = [[Int]](repeating: [], count: words)
            var byDocument: [String: [Int]] = [:]
            var byMonth: [Substring: [Int]] = [:]
            for (i, prepared) in events.enumerated() {
                for word in prepared.words { byWord[word].append(i) }
                if let document = prepared.event.document { byDocument[document, default: []].append(i) }
                if let date = prepared.event.date, date.utf8.count >= 7 {
                    byMonth[date.prefix(7), default: []].append(i)
                }
            }
            of = Array(repeating: [], count: events.count)
            let documents = byDocument.values.filter { $0.count <= documentCap }
            let others = byWord.filter { $0.count <= cap } + byMonth.values.filter { $0.count <= cap }
            for block in documents + others where block.count >= 2 {
                for i in block { of[i].append(members.count) }
                members.append(block)
            }
        }
    }
}
