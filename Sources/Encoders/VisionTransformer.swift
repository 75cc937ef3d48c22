import Foundation
import TensorKit

/// timm's `VisionTransformer` (timm/models/vision_transformer.py) in eval mode, as a word encoder:
///
///     patch embed (p×p conv, stride p) ─► [class, registers, patches] + positions ─► depth × block ─► norm ─► pool
///     block: x += ls1 · proj(attention(qkv(norm1(x))));  x += ls2 · mlp(norm2(x))
///
/// The blocks are TensorKit's ``PreNormTransformerBlock`` (each linear layer one GEMM over every
/// token of the batch, attention as strided GEMMs per word and head, vectorised GELU/LayerNorm); with
/// `dynamic_img_size` the position grid is resampled like timm's `resample_abs_pos_embed`
/// (``AntialiasedBicubic``). State-dict keys are timm's (`patch_embed.proj.weight`,
/// `blocks.N.attn.qkv.weight`, `blocks.N.ls1.gamma`, `norm.weight`, …); Hugging Face ViT / DINOv2
/// checkpoints are renamed first (``EncoderWeights/renamingHuggingFaceViT()``).
public struct VisionTransformer: Encoder {
    public let configuration: VisionTransformerConfiguration
    public let name: String
    public var featureCount: Int { configuration.featureCount }
    public var classifier: LinearClassifier? { nil }
    let patchEmbedding: Conv2d
    let classToken: Tensor?
    let registerTokens: Tensor?
    /// `[positions, D]`.
    let positionEmbedding: Tensor
    let blocks: [PreNormTransformerBlock]
    let finalNormWeight, finalNormBias: Tensor?

    /// Builds the network for `configuration` (validated again here) from timm-named weights.
    public init(configuration: VisionTransformerConfiguration, weights: EncoderWeights, name: String = "vit") throws {
        try configuration.validate(source: weights.source)
        self.configuration = configuration
        self.name = name
        let c = configuration, d = c.embedDimension
        patchEmbedding = Conv2d(weight: try weights.tensor("patch_embed.proj.weight", shape: [d, 3, c.patchSize, c.patchSize]),
                                bias: try weights.vector("patch_embed.proj.bias", count: d),
                                geometry: ConvolutionGeometry(kernelSize: c.patchSize, stride: c.patchSize))
        classToken = c.classToken ? try weights.tensor("cls_token", shape: [1, 1, d]).reshaped([1, d]) : nil
        registerTokens = c.registerTokens > 0
            ? try weights.tensor("reg_token", shape: [1, c.registerTokens, d]).reshaped([c.registerTokens, d]) : nil
        positionEmbedding = try weights.tensor("pos_embed", shape: [1, c.positionCount, d]).reshaped([c.positionCount, d])
        blocks = try (0..<c.depth).map { index in
            let prefix = "blocks.\(index)"
            func vector(_ key: String, _ count: Int = d) throws -> Tensor { try weights.tensor("\(prefix).\(key)", shape: [count]) }
            return PreNormTransformerBlock(
                norm1Weight: try vector("norm1.weight"), norm1Bias: try vector("norm1.bias"),
                qkvWeight: try weights.tensor("\(prefix).attn.qkv.weight", shape: [3 * d, d]),
                qkvBias: c.qkvBias ? try vector("attn.qkv.bias", 3 * d) : nil,
                projWeight: try weights.tensor("\(prefix).attn.proj.weight", shape: [d, d]),
                projBias: try vector("attn.proj.bias"),
                norm2Weight: try vector("norm2.weight"), norm2Bias: try vector("norm2.bias"),
                fc1Weight: try weights.tensor("\(prefix).mlp.fc1.weight", shape: [c.mlpHiddenFeatures, d]),
                fc1Bias: try vector("mlp.fc1.bias", c.mlpHiddenFeatures),
                fc2Weight: try weights.tensor("\(prefix).mlp.fc2.weight", shape: [d, c.mlpInnerFeatures]),
                fc2Bias: try vector("mlp.fc2.bias"),
                gamma1: c.layerScale ? try vector("ls1.gamma") : nil,
                gamma2: c.layerScale ? try vector("ls2.gamma") : nil,
                headCount: c.headCount, epsilon: c.layerNormEpsilon, activation: c.activation == .gelu ? .gelu : .silu,
                gated: c.mlpLayer == .swiGLUPacked)
        }
        let normPrefix = c.usesFcNorm ? "fc_norm" : "norm"
        finalNormWeight = c.finalNorm ? try weights.tensor("\(normPrefix).weight", shape: [d]) : nil
        finalNormBias = c.finalNorm ? try weights.tensor("\(normPrefix).bias", shape: [d]) : nil
        try weights.throwIfIncomplete()
    }

    /// The patch grid for an `height`×`width` input, or why the input cannot be encoded: without
    /// `dynamic_img_size` only `img_size` is accepted (as timm's strict patch embedding); with it,
    /// any multiple of the patch size up to 16384 patches.
    public func checkInput(height: Int, width: Int) throws {
        let c = configuration
        if !c.dynamicImageSize {
            guard height == c.imageSize && width == c.imageSize else {
                throw EncoderInputError(encoder: name, problem: "takes \(c.imageSize)×\(c.imageSize) words (its img_size, "
                                        + "without dynamic_img_size), got \(height)×\(width); use --word-size \(c.imageSize)")
            }
            return try checkActivationMemory(patches: c.gridSize * c.gridSize)
        }
        guard height >= c.patchSize, width >= c.patchSize, height % c.patchSize == 0, width % c.patchSize == 0 else {
            throw EncoderInputError(encoder: name, problem: "takes words whose size is a multiple of the patch size \(c.patchSize), "
                                    + "got \(height)×\(width)")
        }
        guard (height / c.patchSize) * (width / c.patchSize) <= VisionTransformerConfiguration.maximumPatchCount else {
            throw EncoderInputError(encoder: name, problem: "\(height)×\(width) words make more than "
                                    + "\(VisionTransformerConfiguration.maximumPatchCount) patches")
        }
        try checkActivationMemory(patches: (height / c.patchSize) * (width / c.patchSize))
    }

    /// One word's activations in ``PreNormTransformerBlock/run(_:on:sequences:tokens:)`` (token
    /// rows of the residual, input, norm, QKV, attention and MLP buffers, one score block)
    /// against the memory budget.
    func checkActivationMemory(patches: Int) throws {
        let c = configuration, tokens = patches + c.prefixTokenCount
        let perToken = 7 * c.embedDimension + c.mlpHiddenFeatures + c.mlpInnerFeatures + min(tokens, 256)
        do {
            _ = try MemoryBudget.require(elements: tokens * perToken, elementSize: MemoryLayout<Float>.size,
                                         for: "\(name): one word's activations (\(tokens) tokens)")
        } catch {
            throw EncoderInputError(encoder: name, problem: "\(error)")
        }
    }

    /// timm's `forward_features`: `images` `[N, H, W, 3]` (ImageNet-normalised) → tokens
    /// `[N, T, D]`, prefix tokens first (class, registers), after the final norm (none with `fc_norm`).
    public func tokens(_ images: FeatureMap) -> Tensor {
        let c = configuration, d = c.embedDimension
        precondition((try? checkInput(height: images.height, width: images.width)) != nil,
                     "\(name): \(images.height)×\(images.width) input not checked with checkInput(height:width:)")
        let patches = patchEmbedding(renormalized(images))
        let (batch, gridHeight, gridWidth) = (patches.batchSize, patches.height, patches.width)
        let patchCount = gridHeight * gridWidth, prefixCount = c.prefixTokenCount, tokenCount = patchCount + prefixCount
        let positionRows = self.positions(gridHeight: gridHeight, gridWidth: gridWidth)   // [patch (+ prefix) rows, D]
        var prefix = [Float]()
        if let classToken { prefix += classToken.scalars }
        if let registerTokens { prefix += registerTokens.scalars }
        var x = [Float](repeating: 0, count: batch * tokenCount * d)
        for image in 0..<batch {
            let base = image * tokenCount * d
            for index in 0..<prefixCount * d {
                x[base + index] = prefix[index] + (c.noEmbedClass ? 0 : positionRows.scalars[index])
            }
            let positionOffset = c.noEmbedClass ? 0 : prefixCount * d
            for index in 0..<patchCount * d {
                x[base + prefixCount * d + index] = patches.values[image * patchCount * d + index] + positionRows.scalars[positionOffset + index]
            }
        }
        var hidden = PreNormTransformerBlock.run(blocks, on: Tensor(shape: [batch * tokenCount, d], scalars: x),
                                                 sequences: batch, tokens: tokenCount)
        if c.finalNorm && !c.usesFcNorm {
            hidden = hidden.layerNorm(weight: finalNormWeight, bias: finalNormBias, eps: c.layerNormEpsilon)
        }
        return hidden.reshaped([batch, tokenCount, d])
    }

    /// timm's `forward_head(pre_logits=True)` on ``tokens(_:)``: `[N, F]`.
    public func pooledFeatures(_ images: FeatureMap) -> Tensor {
        let c = configuration
        let tokens = self.tokens(images)
        let prefix = c.prefixTokenCount, tokenCount = tokens.shape[1]
        let classRow = { tokens.slice(axis: 1, 0..<1).squeezed(axis: 1) }
        let patchMean = { tokens.slice(axis: 1, prefix..<tokenCount).mean(axis: 1) }
        var pooled: Tensor
        switch c.pooling {
        case .classToken: pooled = classRow()
        case .patchMean: pooled = patchMean()
        case .classTokenAndPatchMean: pooled = Tensor.concat([classRow(), patchMean()], axis: 1)
        }
        if c.finalNorm && c.usesFcNorm {
            pooled = pooled.layerNorm(weight: finalNormWeight, bias: finalNormBias, eps: c.layerNormEpsilon)
        }
        return pooled
    }

    /// The patch tokens as a map `[N, H/p, W/p, D]` (the ViT's last feature map).
    public func featureMap(_ images: FeatureMap) -> FeatureMap {
        let tokens = self.tokens(images)
        let prefix = configuration.prefixTokenCount
        let (gridHeight, gridWidth) = (images.height / configuration.patchSize, images.width / configuration.patchSize)
        return FeatureMap(batchSize: images.batchSize, height: gridHeight, width: gridWidth, channels: configuration.embedDimension,
                          values: tokens.slice(axis: 1, prefix..<tokens.shape[1]).scalars)
    }

    /// The position embeddings for a `gridHeight`×`gridWidth` patch grid: the stored ones, or the
    /// patch part resampled (timm `resample_abs_pos_embed`: bicubic, antialias on), prefix rows kept.
    func positions(gridHeight: Int, gridWidth: Int) -> Tensor {
        let c = configuration, d = c.embedDimension, grid = c.gridSize
        guard gridHeight != grid || gridWidth != grid else { return positionEmbedding }
        let prefixRows = c.noEmbedClass ? 0 : c.prefixTokenCount
        let patchPart = positionEmbedding.slice(axis: 0, prefixRows..<c.positionCount)   // [G·G, D]
        let resized = AntialiasedBicubic.resize(patchPart.reshaped([1, grid, grid, d]).permuted([0, 3, 1, 2]),
                                                height: gridHeight, width: gridWidth)    // [1, D, h, w]
        let rows = resized.permuted([0, 2, 3, 1]).reshaped([gridHeight * gridWidth, d])
        return prefixRows == 0 ? rows : Tensor.concat([positionEmbedding.slice(axis: 0, 0..<prefixRows), rows], axis: 0)
    }

    /// Words arrive ImageNet-normalised; a model trained with other statistics gets them re-normalised.
    func renormalized(_ images: FeatureMap) -> FeatureMap {
        guard let mean = configuration.inputMean, let std = configuration.inputStd else { return images }
        // ImageNet mean and std (torchvision), what the word pipeline applies.
        let imageNetMean: [Float] = [0.485, 0.456, 0.406], imageNetStd: [Float] = [0.229, 0.224, 0.225]
        var result = images
        for index in result.values.indices {
            let channel = index % 3
            result.values[index] = (images.values[index] * imageNetStd[channel] + imageNetMean[channel] - mean[channel]) / std[channel]
        }
        return result
    }

    /// Floating-point operations (a multiply-add counted as two) of encoding one `height`×`width`
    /// word: the patch embedding's GEMM and every block's linear layers and attention GEMMs.
    public func flops(height: Int, width: Int) -> Double {
        let c = configuration, patches = (height / c.patchSize) * (width / c.patchSize)
        let tokens = patches + c.prefixTokenCount
        let embedding = 2 * Double(patches) * Double(c.embedDimension) * Double(3 * c.patchSize * c.patchSize)
        return blocks.reduce(embedding) { $0 + $1.flops(tokens: tokens) }
    }
}

/// Words an encoder cannot take (wrong size for a fixed-size ViT, not a multiple of the patch).
public struct EncoderInputError: Error, CustomStringConvertible, Equatable, Sendable {
    public let encoder: String
    public let problem: String
    public var description: String { "\(encoder): \(problem)" }
}
