import Foundation
import HotlineCore

/// Reads and writes a model: `HLM1`, a JSON header, then the weights, biases and idf as
/// little-endian Float32.
extension LinearModel {
    struct Header: Codable {
        var classes: [String]
        var options: TrainingOptions
        var trainedOn: Int
        var trainedAt: String
        var routing: Routing?
    }

    public func write(to path: String) throws {
        let header = try JSONEncoder().encode(
            Header(
                classes: classes, options: options, trainedOn: trainedOn, trainedAt: LocalDateTime.now().description,
                routing: routing)
        )
        var data = Data("HLM1".utf8)
        var length = UInt32(header.count).littleEndian
        data.append(Data(bytes: &length, count: 4))
        data.append(header)
        for array in [weights, bias, idf] {
            array.withUnsafeBufferPointer { data.append(Data(buffer: $0)) }
        }
        let temp = path + ".tmp"
        try data.write(to: URL(fileURLWithPath: temp))
        guard rename(temp, path) == 0 else { throw HotlineError.file(path: path, problem: "cannot write the model") }
    }

    public static func read(from path: String) throws -> LinearModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HotlineError.notReady("no model at \(path): run 'hotline train' first")
        }
        guard data.count > 8, data.prefix(4) == Data("HLM1".utf8) else {
            throw HotlineError.file(path: path, problem: "not a hotline model")
        }
        let length = Int(data[4]) | Int(data[5]) << 8 | Int(data[6]) << 16 | Int(data[7]) << 24
        guard data.count >= 8 + length else { throw HotlineError.file(path: path, problem: "the model is truncated") }
        let header = try JSONDecoder().decode(Header.self, from: data[8..<(8 + length)])
        let width = header.options.features.width
        let k = header.classes.count
        let expected = 8 + length + 4 * (k * width + k + width)
        guard data.count == expected else {
            throw HotlineError.file(path: path, problem: "the model is truncated or corrupt")
        }
        var floats = [Float](repeating: 0, count: k * width + k + width)
        _ = floats.withUnsafeMutableBytes { data[(8 + length)...].copyBytes(to: $0) }
        var model = LinearModel(
            classes: header.classes, options: header.options, weights: Array(floats[0..<(k * width)]),
            bias: Array(floats[(k * width)..<(k * width + k)]), idf: Array(floats[(k * width + k)...]),
            trainedOn: header.trainedOn)
        model.routing = header.routing
        return model
    }
}
