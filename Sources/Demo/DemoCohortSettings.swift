/// The settings that determine a demo's synthetic cohort: a cohort (and the features computed from
/// it) generated with equal settings is reused instead of being generated again.
struct DemoCohortSettings: Codable, Equatable, Sendable {
    let slidesPerClass: Int
    let slideWidth: Int
    let slideHeight: Int
    let seed: UInt64

    init(_ configuration: DemoConfiguration) {
        slidesPerClass = configuration.slidesPerClass
        slideWidth = configuration.slideWidth
        slideHeight = configuration.slideHeight
        seed = configuration.seed
    }
}
