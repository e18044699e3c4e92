// Package codec is the stored form of chat values that the SQL drivers of
// chat.Store share: an event's type-specific fields as one JSON body,
// properties without empty namespaces, a customer's page, and the merge and
// delete of properties that the property methods apply before they store
// the result, the organization id PutLicense stores, and the rows of
// tags (GroupTags) and of search hits (SearchHits) both drivers read.
package codec
