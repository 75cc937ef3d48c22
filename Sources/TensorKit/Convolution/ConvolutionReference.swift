/// The naive reference convolution: seven nested loops over `NCHW` tensors that spell out
/// PyTorch's `F.conv2d` definition. It is slow and obviously correct; every fast path of the kit
/// (``Conv2d``, depthwise, pooling) is tested against it.
public enum ConvolutionReference {
    /// `y[n, o, i, j] = activation(bias[o] + Σ_{c ∈ group(o), ky, kx} w[o, c, ky, kx] ·
    /// x[n, g·Cin/G + c, i·s − padTop + ky·d, j·s − padLeft + kx·d])`, zero outside the image.
    ///
    /// - Parameters:
    ///   - input: `[N, Cin, H, W]`.
    ///   - weight: `[Cout, Cin / groups, k, k]` (PyTorch layout).
    ///   - bias: `[Cout]` or `nil`.
    /// - Returns: `[N, Cout, Ho, Wo]`.
    public static func convolve(_ input: Tensor, weight: Tensor, bias: [Float]?, geometry: ConvolutionGeometry,
                                activation: Activation = .identity) -> Tensor {
        precondition(input.rank == 4 && weight.rank == 4, "ConvolutionReference: input \(input.shape), weight \(weight.shape)")
        let (batch, inputChannels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let outputChannels = weight.shape[0]
        let groups = geometry.groups
        let inputPerGroup = inputChannels / groups, outputPerGroup = outputChannels / groups
        let kernel = geometry.kernelSize
        precondition(weight.shape == [outputChannels, inputPerGroup, kernel, kernel],
                     "ConvolutionReference: weight \(weight.shape) does not fit \(inputChannels) inputs in \(groups) groups")
        let outputHeight = geometry.outputHeight(inputHeight: height)
        let outputWidth = geometry.outputWidth(inputWidth: width)
        var output = [Float](repeating: 0, count: batch * outputChannels * outputHeight * outputWidth)
        for image in 0..<batch {
            for outputChannel in 0..<outputChannels {
                let group = outputChannel / outputPerGroup
                for row in 0..<outputHeight {
                    for column in 0..<outputWidth {
                        var sum = bias?[outputChannel] ?? 0
                        for channelInGroup in 0..<inputPerGroup {
                            let inputChannel = group * inputPerGroup + channelInGroup
                            for kernelRow in 0..<kernel {
                                let inputRow = row * geometry.stride - geometry.padding.top + kernelRow * geometry.dilation
                                guard inputRow >= 0 && inputRow < height else { continue }
                                for kernelColumn in 0..<kernel {
                                    let inputColumn = column * geometry.stride - geometry.padding.left + kernelColumn * geometry.dilation
                                    guard inputColumn >= 0 && inputColumn < width else { continue }
                                    sum += weight[outputChannel, channelInGroup, kernelRow, kernelColumn]
                                        * input[image, inputChannel, inputRow, inputColumn]
                                }
                            }
                        }
                        let index = ((image * outputChannels + outputChannel) * outputHeight + row) * outputWidth + column
                        output[index] = activation.apply(sum, channel: outputChannel)
                    }
                }
            }
        }
        return Tensor(shape: [batch, outputChannels, outputHeight, outputWidth], scalars: output)
    }

    /// PyTorch `nn.AvgPool2d(kernelSize, stride, padding)` with `count_include_pad=True`: every
    /// window sum is divided by `kernelSize²`, padded zeros included. `input` is `[N, C, H, W]`.
    public static func averagePool(_ input: Tensor, kernelSize: Int, stride: Int, padding: Int) -> Tensor {
        let channels = input.shape[1]
        let geometry = ConvolutionGeometry(kernelSize: kernelSize, stride: stride, padding: .symmetric(padding), groups: channels)
        let weight = Tensor(repeating: 1 / Float(kernelSize * kernelSize), shape: [channels, 1, kernelSize, kernelSize])
        return convolve(input, weight: weight, bias: nil, geometry: geometry)
    }
}
