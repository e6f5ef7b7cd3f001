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

    /// One interner per kind of string an event carries. Words of titles, evidence and names share one, so that
    /// a name in one event's title blocks it with the same name among another's participants.
    struct Interners {
        var words = Interner()
        var actors = Interner()
        var creators = Interner()
        var clusters = Interner()
        var documents = Interner()
    }

    /// An event with its words, names and date read once.
    ///
    /// A class, so that the inner loop of ``suggestions(_:minimum:document:limit:)`` shares rather than copies.
    final class Prepared {
        let event: MatchEvent
        let titleWords: [Int]
        let quoteWords: [Int]
        let sentenceWords: [Int]
        /// Each distinct actor or recipient name as its words.
        let participants: [[Int]]
        /// The actor names as coded, for the `actors` reason.
        let actors: [Int]
        let eventType: EventType?
        let days: CodingDate.DayRange?
        let creator: Int
        let cluster: Int
        /// -1 without a document.
        let document: Int
        /// The words this event is blocked by.
        let blockWords: [Int]

        init(_ event: MatchEvent, interners: inout Interners) {
            self.event = event
            titleWords = interners.words.ids(MatchText.words(event.title))
            quoteWords = interners.words.ids(event.evidence.map(MatchText.words) ?? [])
            sentenceWords = interners.words.ids(event.sentenceText.map(MatchText.words) ?? [])
            var names: Set<[Int]> = []
            for name in event.actors + event.recipients {
                let words = interners.words.ids(MatchText.actorWords(name))
                if !words.isEmpty { names.insert(words) }
            }
            participants = names.sorted { $0.lexicographicallyPrecedes($1) }
            actors = interners.actors.ids(event.actors)
            eventType = event.type.flatMap(EventType.init(rawValue:))
            days = CodingDate.range(of: event.date)
            creator = interners.creators.id(event.creator)
            cluster = interners.clusters.id(event.cluster)
            document = event.document.map { interners.documents.id($0) } ?? -1
            blockWords = SortedSets.make(titleWords + quoteWords + sentenceWords + participants.flatMap { $0 })
        }
    }

    /// The blocks of ``suggestions(_:minimum:document:limit:)``: same document, a shared word, same month.
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
                for word in prepared.blockWords { byWord[word].append(i) }
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
