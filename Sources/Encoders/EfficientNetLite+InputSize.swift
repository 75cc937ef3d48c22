extension EfficientNetLite {
    /// The side of the last feature map for an input `side` pixels long, or `nil` when some layer
    /// would get less input than its kernel. The stride-2 layers' "SAME" padding stays the one
    /// computed for 224 px (``samePadding(imageSize:kernelSize:stride:)``, as in the reference), so
    /// small inputs do not shrink to 1 px and stop there as with symmetric padding: they run out.
    static func featureMapSide(forInputSide side: Int) -> Int? {
        var size = side, nominal = nominalImageSize
        let layers = [(kernelSize: 3, stride: 2)] + stageSettings.flatMap { stage in
            (0..<stage.repeats).map { (kernelSize: stage.kernelSize, stride: $0 == 0 ? stage.stride : 1) }
        }
        for layer in layers {
            let padding = samePadding(imageSize: nominal, kernelSize: layer.kernelSize, stride: layer.stride)
            let padded = size + padding.top + padding.bottom
            guard size > 0, padded >= layer.kernelSize else { return nil }
            size = (padded - layer.kernelSize) / layer.stride + 1
            nominal = (nominal + layer.stride - 1) / layer.stride
        }
        return size
    }

    /// The smallest word side the network takes (32 px).
    public static let minimumInputSide: Int = (1...nominalImageSize).first { featureMapSide(forInputSide: $0) != nil } ?? nominalImageSize

    /// Throws ``EncoderInputError`` for words under ``minimumInputSide`` pixels a side, which
    /// would leave a stride-2 layer less input than its kernel (PyTorch refuses them too).
    public func checkInput(height: Int, width: Int) throws {
        guard height >= Self.minimumInputSide, width >= Self.minimumInputSide else {
            throw EncoderInputError(encoder: name, problem: "takes words of at least \(Self.minimumInputSide)×\(Self.minimumInputSide) px "
                                    + "(its padding is fixed for \(Self.nominalImageSize)-px input, as in efficientnet-lite-pytorch), "
                                    + "got \(height)×\(width)")
        }
    }
}
